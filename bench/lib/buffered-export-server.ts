// The reference of the audit-export benchmark, in a process of its own: the buffered export the
// route made before it streamed, its page limit lifted: every matching entry read into one array
// (AuditLog.query), then one body string built from it, then sent. No authentication or audit
// entry: only the memory and time of buffering are measured.
import { auditCsvValues, auditEntryJson, AUDIT_CSV_COLUMNS } from '../../src/audit/audit-json.ts';
import { openStorage } from '../../src/db/open-storage.ts';
import { csvCell } from '../../src/http/routes/audit-routes.ts';
import { hostServers, listenLocal } from './server-process.ts';

interface Init {
  dataDir: string;
}

hostServers<Init, { url: string }>(async ({ dataDir }) => {
  const storage = await openStorage({ dataDir, migrate: false });
  const server = await listenLocal(async (req) => {
    const csv = new URL(req.url).searchParams.get('format') === 'csv';
    const entries = await storage.audit.query({ limit: Number.MAX_SAFE_INTEGER });
    const body = csv
      ? [AUDIT_CSV_COLUMNS.join(','), ...entries.map((e) => auditCsvValues(auditEntryJson(e)).map(csvCell).join(','))].join('\r\n') + '\r\n'
      : entries.map((e) => JSON.stringify(auditEntryJson(e))).join('\n') + '\n';
    return new Response(body, { headers: { 'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson' } });
  });
  return {
    info: { url: server.url },
    close: async () => {
      await server.close();
      await storage.close();
    },
  };
});
