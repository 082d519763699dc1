// Forwards committed audit entries to a log sink, off the request path: `enqueue` only appends to a
// bounded queue and returns; one writer drains it in batches. A full queue or a sink that is down
// drops entries, counted and reported in a warning at most every 10 s: the audit table remains the
// record of truth and requests are never slowed or refused for the sink.
import os from 'node:os';
import type { AuditSinkConfig } from '../../config/load-config.ts';
import type { Logger } from '../../logging/logger.ts';
import type { AuditEntry } from '../audit-entry.ts';
import { auditEntryJson } from '../audit-json.ts';
import { auditFrame, type SinkOrigin } from './audit-messages.ts';
import { openTransport, type SinkTransport } from './sink-transports.ts';

const BATCH = 256;
const WARN_EVERY_MS = 10_000;

export interface SinkStats {
  /** Entries written to the sink. */
  sent: number;
  /** Entries dropped: the queue was full, or the sink could not take them. */
  dropped: number;
  queued: number;
}

export class AuditSink {
  private queue: AuditEntry[] = [];
  private head = 0;
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly stats = { sent: 0, dropped: 0 };
  private unreported = { full: 0, failed: 0 };
  private lastWarning = -Infinity;
  private pendingReport: NodeJS.Timeout | undefined;
  private lastError: unknown;

  constructor(
    private readonly config: Readonly<AuditSinkConfig>,
    private readonly logger: Logger,
    private readonly transport: SinkTransport = openTransport(config.target),
    private readonly origin: SinkOrigin = { hostname: os.hostname(), procId: String(process.pid), version: '0.1.0' },
  ) {}

  /** Hands a committed entry on; never blocks, never throws. */
  enqueue(entry: AuditEntry): void {
    if (this.closed) return;
    if (this.queue.length - this.head >= this.config.queue) {
      this.drop('full', 1);
      return;
    }
    this.queue.push(entry);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  snapshot(): SinkStats {
    return { ...this.stats, queued: this.queue.length - this.head };
  }

  /** Resolves once the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Sends what is queued (at most `timeoutMs`), then closes the transport. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const left = this.queue.length - this.head;
    if (left > 0) this.drop('failed', left);
    this.queue = [];
    this.head = 0;
    this.report(true);
    await this.transport.close().catch(() => {});
  }

  private async drain(): Promise<void> {
    while (this.head < this.queue.length) {
      const n = this.transport.datagrams ? 1 : Math.min(BATCH, this.queue.length - this.head);
      const batch = this.queue.slice(this.head, this.head + n);
      this.head += n;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      try {
        await this.transport.write(batch.map((e) => auditFrame(this.config.format, this.config.target.kind, auditEntryJson(e), this.origin)).join(''));
        this.stats.sent += batch.length;
      } catch (e) {
        this.lastError = e;
        this.drop('failed', batch.length);
      }
    }
  }

  private drop(why: 'full' | 'failed', n: number): void {
    this.stats.dropped += n;
    this.unreported[why] += n;
    this.report(false);
  }

  private report(force: boolean): void {
    const { full, failed } = this.unreported;
    if (full + failed === 0) return;
    const now = Date.now();
    if (!force && now - this.lastWarning < WARN_EVERY_MS) {
      // reported at the end of the window, should no other drop come to report it
      this.pendingReport ??= setTimeout(
        () => {
          this.pendingReport = undefined;
          this.report(false);
        },
        this.lastWarning + WARN_EVERY_MS - now,
      ).unref();
      return;
    }
    clearTimeout(this.pendingReport);
    this.pendingReport = undefined;
    this.lastWarning = now;
    this.unreported = { full: 0, failed: 0 };
    this.logger.warn(
      {
        audit_sink: {
          target: this.config.target.kind,
          dropped: full + failed,
          queue_full: full,
          unsent: failed,
          dropped_total: this.stats.dropped,
          sent_total: this.stats.sent,
        },
        ...(failed > 0 && { err: this.lastError }),
      },
      'audit sink dropped entries: the audit table remains the record',
    );
  }
}
