// Tiny flag parser shared by the benchmarks: `--name value`, `--name=value` and boolean `--flag` / `--no-flag`.

export type FlagSpec = Record<string, { kind: 'int' | 'number' | 'string' | 'boolean'; default: number | string | boolean; help: string; min?: number }>;

export type FlagValues<S extends FlagSpec> = {
  [K in keyof S]: S[K]['kind'] extends 'boolean' ? boolean : S[K]['kind'] extends 'string' ? string : number;
};

export class UsageError extends Error {
  override name = 'UsageError';
  /** `--help` is a usage "error" that exits 0 and prints to stdout. */
  constructor(
    message: string,
    readonly isHelp = false,
  ) {
    super(message);
  }
}

export function parseFlags<S extends FlagSpec>(spec: S, args: readonly string[]): FlagValues<S> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec)) out[k] = s.default;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') throw new UsageError(usage(spec), true);
    const m = /^--(no-)?([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}\n${usage(spec)}`);
    const [, negated, name, inline] = m as unknown as [string, string | undefined, string, string | undefined];
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag --${name}\n${usage(spec)}`);
    if (s.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      out[name] = !negated;
      continue;
    }
    if (negated) throw new UsageError(`--no-${name} is not a flag`);
    const raw = inline ?? args[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    if (s.kind === 'string') {
      out[name] = raw;
      continue;
    }
    const n = Number(raw);
    const min = s.min ?? (s.kind === 'int' ? 1 : 0);
    if (!Number.isFinite(n) || (s.kind === 'int' && !Number.isInteger(n)) || n < min) {
      throw new UsageError(`--${name} must be ${s.kind === 'int' ? 'a whole number' : 'a number'} >= ${min}, got ${JSON.stringify(raw)}`);
    }
    out[name] = n;
  }
  return out as FlagValues<S>;
}

export function usage(spec: FlagSpec): string {
  const lines = Object.entries(spec).map(([k, s]) => {
    const name = s.kind === 'boolean' ? `--[no-]${k}` : `--${k} <${s.kind === 'string' ? 'value' : 'n'}>`;
    return `  ${name.padEnd(24)} ${s.help} (default ${String(s.default)})`;
  });
  return `flags:\n${lines.join('\n')}`;
}
