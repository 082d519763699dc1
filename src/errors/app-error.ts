// Base class for every domain error: a stable code, a safe detail, optional field-level issues.
import type { ErrorCode } from './catalogue.ts';

export interface FieldIssue {
  /** JSON pointer-ish path or field name; never the offending value. */
  path: string;
  code: string;
  message: string;
  row?: number;
  file?: string;
  line?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Human text safe to show the caller: it must never contain input values. */
  readonly detail: string;
  readonly errors: FieldIssue[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail: string, options: { errors?: FieldIssue[]; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
