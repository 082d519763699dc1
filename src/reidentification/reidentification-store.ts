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
  insert(r: ReidRequest): void;
  get(id: string): ReidRequest | undefined;
  setStatus(id: string, status: RequestStatus, by: string | null, at: number): void;
}
