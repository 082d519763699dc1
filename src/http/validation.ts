// Turns zod validation failures at the edge into 422 problems carrying paths, never values.
import type { ZodError } from 'zod';
import { AppError, type FieldIssue } from '../errors/app-error.ts';

export function zodIssues(error: ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)',
    code: i.code,
    message: i.message,
  }));
}

export const validationHook = (result: { success: true } | { success: false; error: ZodError; target?: string }): void => {
  if (!result.success) {
    throw new AppError('request.validation_failed', 'The request does not satisfy the schema.', {
      errors: zodIssues(result.error, result.target),
    });
  }
};
