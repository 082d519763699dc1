// The audit log's external head: the last committed (seq, hash), sealed with an HMAC under the
// audit key, kept in a file beside the database and emitted as checkpoint lines in the log. A cut
// tail shows as a head ahead of the table; a rewritten head fails its seal; a deleted head on a
// non-empty log is itself a failure, never a fresh start.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const HEAD_FILE = 'audit-head.json';
const FORMAT = 1;

export interface Head {
  seq: number;
  hash: string;
  at: number;
}
export interface SealedHead extends Head {
  v: number;
  mac: string;
}

export type HeadState = { state: 'ok'; head: Head } | { state: 'missing' } | { state: 'invalid' } | { state: 'forged'; head: Head };

/** Where the head lives: a file in the data directory (tests and other deployments may differ). */
export interface HeadFile {
  read(): string | undefined;
  /** Replaces the content atomically. */
  write(text: string): void;
}

export function headFileIn(dataDir: string): HeadFile {
  return headFileAt(path.join(dataDir, HEAD_FILE));
}

/** The head at `file` (VEILGATE_AUDIT_HEAD_FILE: each instance may keep its own copy). */
export function headFileAt(file: string): HeadFile {
  return {
    read: () => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    write: (text) => {
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text, { mode: 0o600 });
      fs.renameSync(tmp, file);
    },
  };
}

export class HeadSeal {
  constructor(private readonly key: crypto.KeyObject) {}

  private mac(h: Head): string {
    return crypto.createHmac('sha256', this.key).update(`veilgate/audit-head/${FORMAT}\n${h.seq}\n${h.hash}\n${h.at}`).digest('hex');
  }

  seal(h: Head): SealedHead {
    return { v: FORMAT, seq: h.seq, hash: h.hash, at: h.at, mac: this.mac(h) };
  }

  /**
   * Reads a head (the file's text or a checkpoint's object). A head without a seal is invalid,
   * those written before heads were sealed included: accepting one that agrees with the table
   * would accept an attacker's head written after cutting the table (upgrading is one
   * `veilgate audit reanchor`, recorded in the chain).
   */
  open(raw: unknown): HeadState {
    let o: unknown = raw;
    if (typeof raw === 'string') {
      try {
        o = JSON.parse(raw);
      } catch {
        return { state: 'invalid' };
      }
    }
    if (typeof o !== 'object' || o === null) return { state: 'invalid' };
    const r = o as Record<string, unknown>;
    if (!Number.isSafeInteger(r['seq']) || (r['seq'] as number) < 1 || typeof r['hash'] !== 'string' || !/^[0-9a-f]{64}$/.test(r['hash']))
      return { state: 'invalid' };
    const head: Head = { seq: r['seq'] as number, hash: r['hash'], at: Number.isSafeInteger(r['at']) ? (r['at'] as number) : 0 };
    if (r['v'] !== FORMAT || typeof r['mac'] !== 'string' || !Number.isSafeInteger(r['at'])) return { state: 'invalid' };
    const want = Buffer.from(this.mac(head));
    const got = Buffer.from(r['mac']);
    return got.length === want.length && crypto.timingSafeEqual(got, want) ? { state: 'ok', head } : { state: 'forged', head };
  }
}
