// Rows of runs and data-subject requests as both adapters store them (JSON held as text), and
// their mapping to the domain's shapes.
import type { DsrRequest, DsrStatus } from '../dsr/dsr-store.ts';
import type { RunRow } from '../segmentation/run-store.ts';

export interface RawRun {
  id: string;
  owner: string;
  issuer_id: string;
  roles: string;
  purpose: string;
  method: string;
  params: string;
  status: RunRow['status'];
  progress: number;
  result: string | null;
  error: string | null;
  policy_version: string;
  privilege: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export const RUN_COLUMNS =
  'id, owner, issuer_id, roles, purpose, method, params, status, progress, result, error, policy_version, privilege, created_at, started_at, finished_at';

export const toRunRow = (r: RawRun): RunRow => ({
  id: r.id,
  owner: r.owner,
  issuerId: r.issuer_id,
  roles: JSON.parse(r.roles) as string[],
  purpose: r.purpose,
  method: r.method,
  params: JSON.parse(r.params),
  status: r.status,
  progress: r.progress,
  result: r.result === null ? null : JSON.parse(r.result),
  error: r.error === null ? null : (JSON.parse(r.error) as RunRow['error']),
  policyVersion: r.policy_version,
  privilege: r.privilege === null ? null : (JSON.parse(r.privilege) as RunRow['privilege']),
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export interface RawRequest {
  id: string;
  kind: DsrRequest['kind'];
  requester: string;
  reference: string;
  identifier_type: string;
  pseudonym: string | null;
  status: DsrStatus;
  withheld: string;
  decided_by: string | null;
  decided_at: number | null;
  delivered_at: number | null;
  receipt: string | null;
  maintenance: string | null;
  created_at: number;
}

export const toRequest = (r: RawRequest): DsrRequest => ({
  id: r.id,
  kind: r.kind,
  requester: r.requester,
  reference: r.reference,
  identifierType: r.identifier_type,
  pseudonym: r.pseudonym,
  status: r.status,
  withheld: JSON.parse(r.withheld) as string[],
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  deliveredAt: r.delivered_at,
  receipt: r.receipt === null ? null : (JSON.parse(r.receipt) as Record<string, unknown>),
  maintenance: r.maintenance === null ? null : (JSON.parse(r.maintenance) as Record<string, unknown>),
  createdAt: r.created_at,
});
