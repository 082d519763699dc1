// CSPRNG bytes drawn in 64 KiB fills and handed out once each: ingest needs a data key and two
// GCM nonces per new subject, and a randomBytes() call costs ~4.5 µs however few bytes it
// returns (`npm run bench -- ingest` profile). Each slice is copied out and zeroed in the pool.
import crypto from 'node:crypto';

export class RandomPool {
  private buf = Buffer.alloc(0);
  private at = 0;

  constructor(private readonly size = 64 * 1024) {}

  take(n: number): Buffer {
    if (n > this.size) return crypto.randomBytes(n);
    if (this.at + n > this.buf.length) {
      this.buf.fill(0);
      this.buf = crypto.randomFillSync(Buffer.allocUnsafeSlow(this.size));
      this.at = 0;
    }
    const out = Buffer.alloc(n);
    this.buf.copy(out, 0, this.at, this.at + n);
    this.buf.fill(0, this.at, this.at + n);
    this.at += n;
    return out;
  }
}
