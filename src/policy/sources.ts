// Who may write as which source: an ingest token's issuer (and optionally its subject) must be a
// writer of the source it posts to, so one source system cannot write as another, nor reach
// another source's customers through that source's customer ids. Unknown sources are refused.
export type SourceDecision = 'allowed' | 'unknown_source' | 'not_a_writer';

export interface Writer {
  issuerId: string;
  subject: string;
}

export class SourcePolicy {
  constructor(private readonly sources: ReadonlyMap<string, { description: string; writers: readonly { issuer: string; subjects?: readonly string[] }[] }>) {}

  has(source: string): boolean {
    return this.sources.has(source);
  }

  decide(writer: Writer, source: string): SourceDecision {
    const s = this.sources.get(source);
    if (!s) return 'unknown_source';
    const ok = s.writers.some((w) => w.issuer === writer.issuerId && (!w.subjects || w.subjects.includes(writer.subject)));
    return ok ? 'allowed' : 'not_a_writer';
  }

  names(): string[] {
    return [...this.sources.keys()];
  }

  effective(): Record<string, unknown> {
    return Object.fromEntries(this.sources);
  }
}
