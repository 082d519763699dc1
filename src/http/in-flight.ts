// Requests being handled now, so a stopping gateway can wait for their handlers (not only their
// connections: a handler whose client went away may still be inside a unit of work).
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';

export class InFlight {
  private n = 0;
  private waiters: (() => void)[] = [];

  get count(): number {
    return this.n;
  }

  readonly middleware: MiddlewareHandler<AppEnv> = async (_c, next) => {
    this.n++;
    try {
      await next();
    } finally {
      if (--this.n === 0) for (const w of this.waiters.splice(0)) w();
    }
  };

  /** Resolves when no request is being handled. */
  idle(): Promise<void> {
    return this.n === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
