// Per-source data-quality scorecard: completeness, validity, duplicates, freshness, rejections.
export interface SourceCounters {
  source: string;
  recordType: string;
  batches: number;
  rows: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  rejectedByRule: Record<string, number>;
  firstBatchAt: number;
  lastBatchAt: number;
}

export interface FieldCounters {
  source: string;
  recordType: string;
  field: string;
  seen: number;
  present: number;
  valid: number;
  invalidByRule: Record<string, number>;
}

export interface QualityReader {
  sources(): Promise<SourceCounters[]>;
  fields(): Promise<FieldCounters[]>;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

export async function qualityScorecard(reader: QualityReader, threshold: number, now: number) {
  const [fields, sources] = await Promise.all([reader.fields(), reader.sources()]);
  return {
    validity_threshold: threshold,
    sources: sources.map((s) => {
      const validity = ratio(s.accepted, s.rows);
      return {
        source: s.source,
        record_type: s.recordType,
        batches: s.batches,
        rows: s.rows,
        accepted: s.accepted,
        rejected: s.rejected,
        validity,
        duplicate_rate: ratio(s.duplicates, s.rows),
        freshness: {
          first_batch_at: new Date(s.firstBatchAt).toISOString(),
          last_batch_at: new Date(s.lastBatchAt).toISOString(),
          hours_since_last_batch: Math.round(((now - s.lastBatchAt) / 3_600_000) * 100) / 100,
        },
        rejected_by_rule: s.rejectedByRule,
        flagged: validity !== null && validity < threshold,
        fields: Object.fromEntries(
          fields
            .filter((f) => f.source === s.source && f.recordType === s.recordType)
            .map((f) => [
              f.field,
              {
                completeness: ratio(f.present, f.seen),
                validity: ratio(f.valid, f.present),
                invalid_by_rule: f.invalidByRule,
              },
            ]),
        ),
      };
    }),
  };
}
