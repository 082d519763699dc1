// Reads the quality counters written by ingest.
import type { FieldCounters, QualityReader, SourceCounters } from '../../quality/quality-scorecard.ts';
import type { Db } from './db.ts';

export function pgQualityReader(db: Db): QualityReader {
  return {
    sources: () =>
      db.rows<SourceCounters>(
        `SELECT source, record_type AS "recordType", batches, rows, accepted, rejected, duplicates,
              rejected_by_rule AS "rejectedByRule", first_batch_at AS "firstBatchAt", last_batch_at AS "lastBatchAt"
       FROM quality_source_stats ORDER BY source, record_type`,
      ),
    fields: () =>
      db.rows<FieldCounters>(
        `SELECT source, record_type AS "recordType", field, seen, present, valid, invalid_by_rule AS "invalidByRule"
       FROM quality_field_stats ORDER BY source, record_type, field`,
      ),
  };
}
