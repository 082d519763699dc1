// The address a request came from, as the socket says (forwarding headers are not trusted: any
// client can send them). Requests made in-process (tests) have no socket: "local".
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'local';
  }
}
