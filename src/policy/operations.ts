// The catalogue of gateway operations that roles.yaml grants; a route names exactly one.
export const OPERATIONS = {
  'me.read': 'Read the identity and roles of the calling token',
  'policies.read': 'Read the effective, validated policy and its version hash',
  'ingest.customers': 'Push customer records from a source system',
  'ingest.transactions': 'Push transactions from a source system',
  'ingest.consents': 'Push consent records from a source system',
  'quality.read': 'Read per-source data-quality scorecards',
  'subjects.read': 'Read the visible features of one pseudonymous subject',
  'subjects.consents.read': 'Read the consent history of one subject',
  'subjects.consents.write': 'Record a consent change for one subject',
  'segmentations.create': 'Start a segmentation run',
  'segmentations.read': 'Read segmentation runs and their results',
  'segmentations.members': 'Export pseudonymous member lists of a segment',
  'reidentifications.create': 'Request re-identification of pseudonyms',
  'reidentifications.read': 'Read a re-identification request (and collect approved fields)',
  'reidentifications.decide': 'Approve or deny a pending re-identification request',
  'audit.read': 'Read and export the audit log',
  'audit.verify': 'Verify the audit hash chain',
  'dsr.access': 'Answer a data-subject access request',
  'dsr.erasure': 'Carry out a data-subject erasure request',
  'dsr.read': 'Read a data-subject request (and collect approved fields of an access package)',
  'dsr.decide': "Approve or deny the withheld fields of another DPO's access package",
  'metrics.read': "Read the gateway's operational metrics (Prometheus; no personal data)",
} as const;

export type Operation = keyof typeof OPERATIONS;
export const OPERATION_IDS = Object.keys(OPERATIONS) as Operation[];
