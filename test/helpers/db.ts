// What tests read and write in the database directly, on either backend: assertions on what is
// stored, and tampering as someone with database access would. SQL is written once, with `?`
// placeholders and the SQL both dialects share; a test that needs one dialect's feature says so.
import pg from 'pg';
import type Database from 'better-sqlite3';

export interface TestDb {
  readonly dialect: 'sqlite' | 'postgres';
  all<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  /** Runs one statement; resolves to the number of rows it changed. */
  run(sql: string, ...params: unknown[]): Promise<number>;
  /** Runs statements without parameters (several, separated by semicolons). */
  exec(sql: string): Promise<void>;
  /** count(*) of a table, optionally with a WHERE clause. */
  count(table: string, where?: string, ...params: unknown[]): Promise<number>;
  close(): Promise<void>;
}

// bigint (counts, epoch milliseconds) as numbers, as SQLite gives them: the values tests compare
// stay far below 2^53
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/** `?` placeholders (outside quotes) as PostgreSQL's `$1, $2, ...`. */
export function numbered(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? `$${++n}` : ch;
  }
  return out;
}

export function sqliteTestDb(sqlite: Database.Database): TestDb {
  return {
    dialect: 'sqlite',
    all: async <T>(sql: string, ...params: unknown[]) => sqlite.prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, ...params: unknown[]) => sqlite.prepare(sql).get(...params) as T | undefined,
    run: async (sql, ...params) => sqlite.prepare(sql).run(...params).changes,
    exec: async (sql) => void sqlite.exec(sql),
    count: async (table, where, ...params) =>
      (sqlite.prepare(`SELECT count(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`).get(...params) as { n: number }).n,
    close: async () => {},
  };
}

export function postgresTestDb(url: string): TestDb {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const query = (sql: string, params: unknown[]) => pool.query(numbered(sql), params);
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, ...params: unknown[]) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, ...params: unknown[]) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql, ...params) => (await query(sql, params)).rowCount ?? 0,
    exec: async (sql) => void (await pool.query(sql)),
    count: async (table, where, ...params) => Number((await query(`SELECT count(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`, params)).rows[0].n),
    close: () => pool.end(),
  };
}
