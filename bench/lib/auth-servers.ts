// Server process of the auth benchmark: one HTTP server on 127.0.0.1 serving GET /v1/me for one variant.
// One process per variant, so no variant runs in another's heap (GC work, caches, JIT state stay separate).
//   bare     a bare Hono app: fixed principal in context, then the exported meHandler (no middleware, no auth)
//   cached   the real gateway from buildGateway (dev issuer, repo policies), default token cache, one token
//   nocache  createApp with a TokenVerifier({ cache: false }) (ES256 partner issuer from a policies copy)
//   pool     the real gateway again, default token cache, `poolSize` distinct tokens
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { loadConfig } from '../../src/config/load-config.ts';
import { buildGateway, type Gateway } from '../../src/gateway.ts';
import { buildServices } from '../../src/services.ts';
import { createApp } from '../../src/http/create-app.ts';
import { meHandler } from '../../src/http/routes/me-routes.ts';
import type { AppEnv } from '../../src/http/app-env.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { TokenVerifier } from '../../src/auth/token-verifier.ts';
import { DEV_ISSUER, DEV_ISSUER_ID, initDevIssuer, mintDevToken } from '../../src/auth/dev-issuer.ts';
import { createLogger, type Logger } from '../../src/logging/logger.ts';
import { makePolicies, REPO_POLICIES, tempDir } from '../../test/helpers/test-gateway.ts';
import { hostServers, listenLocal } from './server-process.ts';

export type AuthVariant = 'bare' | 'cached' | 'nocache' | 'pool';

export interface AuthServerInit {
  variant: AuthVariant;
  poolSize: number;
  tokenTtlSeconds: number;
  /** 'silent', or a pino level whose lines go to a discarding stream (to measure the cost of logging). */
  logLevel: string;
}

export interface AuthServerInfo {
  url: string;
  /** Valid bearer tokens for this server: one, or the pool. */
  tokens: string[];
  /** GET /v1/me must answer this issuer_id... */
  issuerId: string;
  /** ...and subject `${subjectPrefix}` for a single token, `${subjectPrefix}-${i}` for tokens[i] of a pool. */
  subjectPrefix: string;
}

export interface AuthServerStats {
  /** verifier.cachedTokens; undefined for the bare handler (no verifier). */
  cachedTokens: number | undefined;
  rssMb: number;
  heapUsedMb: number;
}

const ROLES = ['partner'];

function benchLogger(level: string): Logger {
  if (level === 'silent') return createLogger({ level: 'silent' });
  const sink = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  return createLogger({ level, destination: sink });
}

/** Gateway.jobs / buildServices().queue exist since segmentation jobs; tolerated if absent or renamed. */
async function closeJobs(holder: object): Promise<void> {
  for (const key of ['jobs', 'queue']) {
    const q = (holder as Record<string, { close?: () => Promise<void> } | undefined>)[key];
    if (typeof q?.close === 'function') await q.close();
  }
}

hostServers<AuthServerInit, AuthServerInfo>(async (init) => {
  const cleanups: (() => void | Promise<void>)[] = [];
  const close = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error('bench cleanup:', e);
      }
    }
  };
  const dir = (prefix: string) => {
    const d = tempDir(prefix);
    cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
    return d;
  };
  // Cleanups run in reverse: the server closes first, then background jobs, then the store, then the temp dirs.
  const gateway = async (env: Record<string, string>): Promise<Gateway> => {
    const config = loadConfig({ VEILGATE_DEV: '1', VEILGATE_LOG_LEVEL: 'silent', ...env });
    const gw = await buildGateway(config, { logger: benchLogger(init.logLevel) });
    cleanups.push(() => gw.storage.close());
    cleanups.push(() => closeJobs(gw));
    return gw;
  };
  const expSeconds = Math.floor(Date.now() / 1000) + init.tokenTtlSeconds;

  try {
    let fetch: (req: Request) => Response | Promise<Response>;
    let tokens: string[];
    let issuerId = DEV_ISSUER_ID;
    let subjectPrefix = 'bench-client';
    let cachedTokens: () => number | undefined = () => undefined;

    switch (init.variant) {
      case 'cached':
      case 'pool': {
        // (b) one dev (EdDSA) token reused by every request; (d) a pool of distinct tokens, one per simulated client.
        const dataDir = dir(`bench-${init.variant}`);
        const gw = await gateway({ VEILGATE_DATA_DIR: dataDir, VEILGATE_POLICIES_DIR: REPO_POLICIES });
        const n = init.variant === 'pool' ? init.poolSize : 1;
        tokens = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            mintDevToken(dataDir, { roles: ROLES, subject: n === 1 ? subjectPrefix : `${subjectPrefix}-${i}`, ttlSeconds: init.tokenTtlSeconds }),
          ),
        );
        fetch = gw.app.fetch;
        cachedTokens = () => gw.verifier.cachedTokens;
        break;
      }
      case 'nocache': {
        // (c) every request pays a full ES256 signature verification. The gateway is built for real (policies copy
        // with the partner issuer) and its app re-created with a non-caching verifier. The other dependencies come
        // from the Gateway, and what it does not expose from buildServices (what buildGateway wires into
        // createApp), so this keeps compiling as AppDeps grows (it grew four times while this was written).
        const policiesCopy = await makePolicies(dir('bench-policies'));
        const config = loadConfig({
          VEILGATE_DATA_DIR: dir('bench-nocache'),
          VEILGATE_POLICIES_DIR: policiesCopy.dir,
          VEILGATE_DEV: '1',
          VEILGATE_LOG_LEVEL: 'silent',
        });
        const gw = await gateway({ VEILGATE_DATA_DIR: config.dataDir, VEILGATE_POLICIES_DIR: config.policiesDir });
        const verifier = new TokenVerifier({ issuers: gw.policies.issuers, clock: Date.now, cache: false });
        const services = await buildServices(config, gw.policies, gw.storage, Date.now);
        cleanups.push(() => closeJobs(services));
        // Gateway members win over the duplicates buildServices made, so the app shares the gateway's instances.
        fetch = createApp({ ...services, ...gw, config, clock: Date.now, verifier }).fetch;
        subjectPrefix = 'bench-partner-client';
        issuerId = policiesCopy.partner.id;
        tokens = [await policiesCopy.partner.sign({ sub: subjectPrefix, exp: expSeconds })];
        cachedTokens = () => verifier.cachedTokens;
        break;
      }
      case 'bare': {
        // (a) the same handler without any middleware: a fixed principal shaped like (b)'s. The token is never
        // read; it is sent anyway so every variant parses the same request bytes.
        const dataDir = dir('bench-bare');
        await initDevIssuer(dataDir);
        tokens = [await mintDevToken(dataDir, { roles: ROLES, subject: subjectPrefix, ttlSeconds: init.tokenTtlSeconds })];
        const principal: Principal = Object.freeze({
          issuerId,
          issuer: DEV_ISSUER,
          subject: subjectPrefix,
          roles: Object.freeze([...ROLES]),
          exp: expSeconds,
        });
        const app = new Hono<AppEnv>();
        app.get(
          '/v1/me',
          async (c, next) => {
            c.set('principal', principal);
            await next();
          },
          meHandler,
        );
        fetch = app.fetch;
        break;
      }
      default:
        throw new Error(`unknown variant ${String(init.variant)}`);
    }

    const server = await listenLocal(fetch);
    cleanups.push(() => server.close());
    return {
      info: { url: server.url, tokens, issuerId, subjectPrefix },
      methods: {
        stats: (): AuthServerStats => {
          const m = process.memoryUsage();
          return { cachedTokens: cachedTokens(), rssMb: Math.round(m.rss / 2 ** 20), heapUsedMb: Math.round(m.heapUsed / 2 ** 20) };
        },
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
});
