// The shapes of the re-identification API's answers (src/http/routes/reidentification-routes.ts).
import type { Me } from '../../session.ts';

export type RequestStatus = 'pending_approval' | 'approved' | 'denied' | 'delivered';

export interface ListedRequest {
  id: string;
  requester: string;
  own: boolean;
  purpose: string;
  justification: string;
  pseudonyms: string[];
  not_pseudonyms: number;
  fields: string[];
  status: RequestStatus;
  decided_by: string | null;
  decided_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

export interface RequestList {
  requests: ListedRequest[];
  next_cursor: string | null;
}

export interface ReidResult {
  pseudonym: string;
  status: 'found' | 'not_found' | 'erased' | 'no_consent' | 'unreadable';
  fields?: Record<string, string>;
}

/** GET /v1/reidentifications/{id}: results only in the one answer that delivers them. */
export interface RequestState {
  id: string;
  status: RequestStatus;
  purpose: string;
  fields: string[];
  created_at: string;
  results?: ReidResult[];
}

/** POST /v1/reidentifications: 201 granted (with results) or 202 pending_approval. */
export type Submitted = { id: string; status: 'granted'; results: ReidResult[] } | { id: string; status: 'pending_approval' };

/** GET /v1/me's vault fields the roles may re-identify (with the purposes each may be under). */
export type MeWithFields = Me & { reidentify_fields?: { name: string; category: string; purposes: string[] }[] };
