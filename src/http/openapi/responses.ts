// Shorthands for a route's own responses: a JSON answer with its schema and headers. Errors need
// only a description: complete-document.ts gives every error status the Problem content.
import { z } from '@hono/zod-openapi';
import { responseHeaders, type HeaderName, type Presence } from './headers.ts';

/** An object whose members the description names (the domain builds it; it may grow). */
export const OpenObject = z.looseObject({});

export function jsonResponse<S extends z.ZodType>(description: string, schema: S, headers: Partial<Record<HeaderName, Presence>> = {}) {
  return {
    description,
    ...(Object.keys(headers).length > 0 && { headers: responseHeaders(headers) }),
    content: { 'application/json': { schema } },
  };
}
