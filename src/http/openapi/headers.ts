// The response headers the document declares, described once; a route or a rule names the ones
// its answer carries and whether it always does.
export const HEADERS = {
  'X-Request-Id': { description: "The id of this request: the problem body's request_id and the gateway log line's req_id", schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } },
  'WWW-Authenticate': {
    description: 'Bearer challenge (RFC 6750): error="invalid_token" on 401, error="insufficient_scope" on a role refusal',
    schema: { type: 'string' },
  },
  Location: { description: 'Where the created resource is read', schema: { type: 'string' } },
  'X-Next-Cursor': { description: 'The cursor of the next page; absent on the last page', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: '"true" when the answer is the stored one of an earlier request with this Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
} satisfies Record<string, { description: string; schema: { type: 'string' | 'integer'; minimum?: number; enum?: string[] } }>;

export type HeaderName = keyof typeof HEADERS;
/** always: every answer of that status carries it; sometimes: only some do. */
export type Presence = 'always' | 'sometimes';

// a type, not an interface: it must fit the generator's header objects, which take x- members
export type HeaderObject = {
  description: string;
  required: boolean;
  schema: { type: 'string' | 'integer'; minimum?: number; enum?: string[] };
};

/** X-Request-Id is on every answer: one component, referenced by every response. */
export const REQUEST_ID_COMPONENT = { ...HEADERS['X-Request-Id'], required: true };
export const REQUEST_ID_REF = { $ref: '#/components/headers/X-Request-Id' } as const;

/** Header objects for a response: `responseHeaders({ Location: 'always' })`. */
export function responseHeaders(spec: Partial<Record<HeaderName, Presence>>): Record<string, HeaderObject> {
  const out: Record<string, HeaderObject> = {};
  for (const [name, presence] of Object.entries(spec) as [HeaderName, Presence][]) {
    out[name] = { ...HEADERS[name], required: presence === 'always' };
  }
  return out;
}
