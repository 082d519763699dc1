// A tiny HTTP client for the demo: bearer tokens, JSON in and out, problem+json surfaced.
export class DemoClient {
  constructor(readonly base: string) {}

  async call<T>(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const init: RequestInit = { method, headers: { Authorization: `Bearer ${token}`, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async ok<T>(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const r = await this.call<T & { detail?: string; code?: string }>(token, method, path, body, headers);
    if (r.status >= 400) throw new Error(`${method} ${path} -> ${r.status} ${r.body?.code ?? ''}: ${r.body?.detail ?? ''}`);
    return r.body;
  }

  /** Polls a segmentation run until it ends. */
  async waitRun<T extends { status: string }>(token: string, id: string, timeoutMs = 120_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.ok<T>(token, 'GET', `/v1/segmentations/${id}`);
      if (run.status === 'succeeded' || run.status === 'failed') return run;
      if (Date.now() > until) throw new Error(`run ${id} did not finish in time`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: string[]) => '  ' + vals.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
