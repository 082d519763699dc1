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

export interface ReidStore {
  insert(r: ReidRequest): Promise<void>;
  get(id: string): Promise<ReidRequest | undefined>;
  /**
   * Moves a request on from the status its new one follows (approved/denied from pending,
   * delivered from approved); false when another caller moved it first.
   */
  setStatus(id: string, status: RequestStatus, by: string | null, at: number): Promise<boolean>;
}
