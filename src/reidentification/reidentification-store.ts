// What re-identification requests need from storage.
export type RequestStatus = 'pending_approval' | 'approved' | 'denied' | 'delivered';

export interface ReidRequest {
  id: string;
  requester: string;
  issuerId: string;
  roles: string[];
  purpose: string;
  justification: string;
  pseudonyms: string[];
  fields: string[];
  status: RequestStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  deliveredAt: number | null;
  createdAt: number;
}

export interface ReidListQuery {
  /** Only requests in one of these statuses (any status when absent). */
  statuses?: readonly RequestStatus[];
  /** Only this requester's ("issuer:subject"). */
  requester?: string;
  /** Requests after this one in the listing order (newest first: created_at, then id, descending). */
  after?: { createdAt: number; id: string };
  limit: number;
}

export interface ReidStore {
  insert(r: ReidRequest): Promise<void>;
  get(id: string): Promise<ReidRequest | undefined>;
  /** A keyset page of requests, newest first. */
  list(q: ReidListQuery): Promise<ReidRequest[]>;
  /**
   * Moves a request on from the status its new one follows (approved/denied from pending,
   * delivered from approved); false when another caller moved it first.
   */
  setStatus(id: string, status: RequestStatus, by: string | null, at: number): Promise<boolean>;
}
