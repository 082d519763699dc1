// The policy's view of the calling principal.
import type { Context } from 'hono';
import type { Caller } from '../policy/access-policy.ts';
import type { AppEnv } from './app-env.ts';

export const callerOf = (c: Context<AppEnv>): Caller => {
  const p = c.get('principal');
  return { roles: p.roles, issuerId: p.issuerId };
};

export const actorOf = (c: Context<AppEnv>): string => {
  const p = c.get('principal');
  return `${p.issuerId}:${p.subject}`;
};
