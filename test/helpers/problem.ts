// Assertions shared by the error-path tests: the RFC 9457 shape and the absence of leaks.
import { expect } from 'vitest';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  request_id: string;
  errors?: unknown[];
  [k: string]: unknown;
}

/**
 * Checks status, media type, the problem members and that the body's request_id is the
 * X-Request-Id header. Returns the parsed body and its raw text.
 */
export async function expectProblem(res: Response, status: number, code: string): Promise<{ body: Problem; text: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  let body: Problem;
  try {
    body = JSON.parse(text) as Problem;
  } catch {
    throw new Error(`problem body is not JSON: ${text.slice(0, 200)}`);
  }
  expect(body.status).toBe(status);
  expect(body.code).toBe(code);
  expect(typeof body.type).toBe('string');
  expect(body.type).toMatch(/^https:\/\//);
  expect(typeof body.title).toBe('string');
  expect(body.title.length).toBeGreaterThan(0);
  expect(typeof body.request_id).toBe('string');
  expect(body.request_id.length).toBeGreaterThan(0);
  expect(res.headers.get('x-request-id')).toBe(body.request_id);
  return { body, text };
}

/** Marks of a stack trace or of internals that must never reach a caller or a log line. */
export const STACK_MARKS = [/\n\s+at\s/, /\bat\s+\S+\s+\(.*:\d+:\d+\)/, /node_modules/, /\.ts:\d+/, /file:\/\//];

export function expectNoStack(text: string): void {
  for (const re of STACK_MARKS) expect(text, `matches ${re}`).not.toMatch(re);
}

/** Asserts none of `secrets` occurs in `text` (case-sensitive, exact substrings). */
export function expectNoneOf(text: string, secrets: readonly string[], what = 'text'): void {
  for (const s of secrets) {
    if (s.length === 0) continue;
    expect(text.includes(s), `${what} contains ${JSON.stringify(s.length > 80 ? s.slice(0, 80) + '...' : s)}`).toBe(false);
  }
}
