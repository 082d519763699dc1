// Reads the quality counters written by ingest.
import type Database from 'better-sqlite3';
import type { FieldCounters, QualityReader, SourceCounters } from '../../quality/quality-scorecard.ts';

export function sqliteQualityReader(sqlite: Database.Database): QualityReader {
  const sources = sqlite.prepare(
    `SELECT source, record_type AS recordType, batches, rows, accepted, rejected, duplicates,
            rejected_by_rule AS rejectedByRule, first_batch_at AS firstBatchAt, last_batch_at AS lastBatchAt
     FROM quality_source_stats ORDER BY source, record_type`,
  );
  const fields = sqlite.prepare(
    `SELECT source, record_type AS recordType, field, seen, present, valid, invalid_by_rule AS invalidByRule
     FROM quality_field_stats ORDER BY source, record_type, field`,
  );
  return {
    sources: async () =>
      (sources.all() as (Omit<SourceCounters, 'rejectedByRule'> & { rejectedByRule: string })[]).map((r) => ({
        ...r,
        rejectedByRule: JSON.parse(r.rejectedByRule) as Record<string, number>,
      })),
    fields: async () =>
      (fields.all() as (Omit<FieldCounters, 'invalidByRule'> & { invalidByRule: string })[]).map((r) => ({
        ...r,
        invalidByRule: JSON.parse(r.invalidByRule) as Record<string, number>,
      })),
  };
}
