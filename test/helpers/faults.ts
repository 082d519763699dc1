// Storage failures forced from inside the database: a trigger that refuses a write, in the
// backend's dialect (SQLite's RAISE(ABORT), a PL/pgSQL function raising an exception on
// PostgreSQL), so the same test drives the gateway into the same failure on either backend.
import type { TestGateway } from './test-gateway.ts';

export interface FailingTrigger {
  /** The trigger's name (and its function's, on PostgreSQL): a plain identifier. */
  name: string;
  /** When it fires, e.g. "BEFORE INSERT ON vault" (the table comes last). */
  event: string;
  /** SQL that must hold for the write to fail (may use NEW and subqueries); always, when absent. */
  condition?: string;
  /** The error's message (a plain string, no quote). */
  message: string;
}

/** SQL creating and dropping the trigger in the gateway's dialect. */
export function failingTriggerSql(gw: TestGateway, t: FailingTrigger): { create: string; drop: string } {
  const table = /\bON (\w+)$/.exec(t.event)?.[1];
  if (!table || !/^\w+$/.test(t.name) || t.message.includes("'")) throw new Error(`bad failing trigger ${t.name}`);
  if (gw.backend === 'sqlite') {
    return {
      create: `CREATE TRIGGER ${t.name} ${t.event} ${t.condition ? `WHEN ${t.condition} ` : ''}BEGIN SELECT RAISE(ABORT, '${t.message}'); END;`,
      drop: `DROP TRIGGER IF EXISTS ${t.name};`,
    };
  }
  // PostgreSQL: a trigger's WHEN takes no subquery, so the function tests the condition
  return {
    create: `CREATE FUNCTION ${t.name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF ${t.condition ?? 'true'} THEN RAISE EXCEPTION '${t.message}'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER ${t.name} ${t.event} FOR EACH ROW EXECUTE FUNCTION ${t.name}();`,
    drop: `DROP TRIGGER IF EXISTS ${t.name} ON ${table}; DROP FUNCTION IF EXISTS ${t.name}();`,
  };
}

/** Installs the trigger; resolves to what removes it. */
export async function installFailingTrigger(gw: TestGateway, t: FailingTrigger): Promise<() => Promise<void>> {
  const { create, drop } = failingTriggerSql(gw, t);
  await gw.db.exec(create);
  return () => gw.db.exec(drop);
}

/** Runs `fn` with the trigger installed, always removing it afterwards. */
export async function withFailingTrigger<T>(gw: TestGateway, t: FailingTrigger, fn: () => Promise<T>): Promise<T> {
  const remove = await installFailingTrigger(gw, t);
  try {
    return await fn();
  } finally {
    await remove();
  }
}
