// The answers of /v1/subjects/{pseudonym}/consents (src/subjects/subject-service.ts).
export interface ConsentRecord {
  id: number;
  purpose: string;
  status: string;
  legal_basis: string;
  source: string;
  collected_at: string;
  expires_at: string | null;
  notice_version: string | null;
  recorded_at: string;
  recorded_by: string;
}

export interface ConsentsAnswer {
  pseudonym: string;
  current: Record<string, { basis: string; covered: boolean; reason: string; status?: string; expires_at?: string }>;
  history: ConsentRecord[];
}

export interface ConsentWritten {
  id: number;
  effective: boolean;
  reason: string;
  expires_at: string | null;
  coverage: { covered: boolean; reason: string };
}
