// After an erasure on PostgreSQL, off the request path: the erased subject's old row versions go.
// A plain VACUUM frees dead tuples but leaves their bytes in the page's free space, so the vault
// partition that held the subject is rewritten (VACUUM FULL: a new file without them; one
// partition of VAULT_PARTITIONS is locked for a moment, not the vault). A version some open
// transaction may still see is copied rather than dropped: VERBOSE says how many, and the rewrite
// is tried again until none is left or the budget is spent (then false: the next erasure's, or an
// operator's VACUUM FULL, takes it).
import type pg from 'pg';

const PARTITION = /^vault_p\d+$/;

export class ErasureVacuum {
  private readonly pending = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly budgetMs = 10_000,
  ) {}

  /** The vault partition (a table name read from the database) holding a shredded row. */
  note(partition: string): void {
    if (PARTITION.test(partition)) this.pending.add(partition);
  }

  async run(): Promise<boolean> {
    const partitions = [...this.pending];
    this.pending.clear();
    const client = await this.pool.connect();
    const notices: string[] = [];
    const onNotice = (n: { message?: string; detail?: string }) => notices.push(`${n.message ?? ''}\n${n.detail ?? ''}`);
    client.on('notice', onNotice);
    try {
      await client.query('SET statement_timeout = 0');
      // tables holding pseudonymized rows of the subject: their dead tuples go too
      await client.query('VACUUM subjects, subject_links, consent_records, transactions, erasures');
      const deadline = Date.now() + this.budgetMs;
      let clean = true;
      for (const p of partitions) {
        for (;;) {
          notices.length = 0;
          await client.query(`VACUUM (FULL, VERBOSE) ${p}`);
          const kept = notices.map((t) => /(\d+) dead row versions cannot be removed yet/.exec(t)?.[1]).find((x) => x !== undefined);
          if (kept === undefined || kept === '0') break;
          if (Date.now() >= deadline) {
            clean = false;
            this.pending.add(p);
            break;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      return clean;
    } finally {
      client.off('notice', onNotice);
      await client.query('RESET statement_timeout').catch(() => {});
      client.release();
    }
  }
}
