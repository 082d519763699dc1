// Batches prepared on worker threads (parsing, validation, keyed hashes, vault crypto: see
// prepare-batch.ts) while the event loop's one writer commits others. Started on the first
// batch large enough to be worth a thread hop; until its threads have booted, and for small
// batches, the batch is prepared inline. A batch refused while parsing comes back as the same
// problem it would have been inline.
import { Piscina } from 'piscina';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import type { ErrorCode } from '../errors/catalogue.ts';
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { PrepareInput, PreparedBatch } from './prepare-batch.ts';

const WORKER = new URL('../workers/ingest-prepare-boot.mjs', import.meta.url);

/** What a worker needs to prepare batches as the gateway would: all of it cloneable. */
export interface PrepareWorkerData {
  dictionary: Dictionary;
  purposes: string[];
  pseudonymKey: Buffer;
  pseudonymVersion: number;
  masterKey: Buffer;
}

/** A worker's answer: the batch, or the problem that refused it. */
export type PrepareAnswer = { batch: PreparedBatch } | { refused: { code: ErrorCode; detail: string; errors?: FieldIssue[] } };

export interface PreparePoolOptions {
  threads: number;
  /** Bodies smaller than this are prepared inline (a thread hop costs more than it saves). */
  minBytes: number;
  onBootFailure?: (e: unknown) => void;
}

export class PreparePool {
  private pool: Piscina | undefined;
  private ready = false;
  private failed = false;
  private booted: Promise<boolean> | undefined;
  /** Batches prepared on the threads (the rest were prepared inline). */
  preparedOnThreads = 0;

  constructor(
    private readonly data: PrepareWorkerData,
    private readonly inline: (input: PrepareInput) => PreparedBatch,
    private readonly options: PreparePoolOptions,
  ) {}

  readonly prepare = async (input: PrepareInput): Promise<PreparedBatch> => {
    if (this.options.threads < 1 || this.failed || !input.body || input.body.bytes.byteLength < this.options.minBytes) return this.inline(input);
    const pool = this.start();
    if (!this.ready) return this.inline(input);
    const answer = (await pool.run({ ...input, speculate: true })) as PrepareAnswer;
    this.preparedOnThreads++;
    if ('refused' in answer) {
      const { code, detail, errors } = answer.refused;
      throw new AppError(code, detail, errors ? { errors } : {});
    }
    // Buffers arrive as plain Uint8Arrays: the drivers bind Buffers
    for (const c of answer.batch.customers) {
      const v = c.speculative;
      if (v) c.speculative = { ...v, wrappedKey: asBuffer(v.wrappedKey), ciphertext: asBuffer(v.ciphertext) };
    }
    return answer.batch;
  };

  /** Boots the threads now, in the background, rather than on the first large batch (a server calls it once listening). */
  warm(): void {
    if (this.options.threads > 0) this.start();
  }

  /** Boots the threads if need be; true once they take batches, false when they cannot (or are off). */
  whenReady(): Promise<boolean> {
    if (this.options.threads < 1) return Promise.resolve(false);
    this.start();
    return this.booted!;
  }

  /** Boots the threads (once) in the background; `ready` once one answered. */
  private start(): Piscina {
    if (this.pool) return this.pool;
    const pool = new Piscina({
      filename: WORKER.href,
      minThreads: this.options.threads,
      maxThreads: this.options.threads,
      idleTimeout: Infinity,
      workerData: this.data,
    });
    this.pool = pool;
    this.booted = pool.run(null).then(
      () => (this.ready = true),
      (e: unknown) => {
        this.failed = true;
        this.options.onBootFailure?.(e);
        return false;
      },
    );
    return pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.ready = false;
    if (pool) await pool.destroy();
  }
}

const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));
