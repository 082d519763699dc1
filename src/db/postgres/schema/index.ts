// Every table of the gateway on PostgreSQL, one file per aggregate, named as on SQLite;
// drizzle-kit reads this to generate migrations/postgres.
export * from './service-state.ts';
export * from './subjects.ts';
export * from './subject-links.ts';
export * from './vault.ts';
export * from './transactions.ts';
export * from './ingest-batches.ts';
export * from './quality.ts';
export * from './consents.ts';
export * from './segmentations.ts';
export * from './audit.ts';
export * from './reidentifications.ts';
export * from './erasures.ts';
export * from './dsr-requests.ts';
