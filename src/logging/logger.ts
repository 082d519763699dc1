// The one logger: pino JSON lines, with secrets and bodies redacted at the source.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.body',
  'res.body',
  'body',
  'token',
  'authorization',
  '*.authorization',
  '*.token',
  '*.password',
  '*.secret',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'veilgate' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors are logged by code and class only: messages can carry bound SQL parameters.
      serializers: { err: serializeError },
    },
    options.destination,
  );
}

export function serializeError(err: unknown): Record<string, unknown> {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; cause?: unknown };
    const cause = e.cause as { code?: unknown; name?: unknown } | undefined;
    return {
      type: typeof e.name === 'string' ? e.name : 'Error',
      ...(e.code !== undefined && { code: String(e.code) }),
      ...(cause && { cause: { type: String(cause.name ?? 'Error'), code: cause.code } }),
    };
  }
  return { type: typeof err };
}
