// Parses an ingest body (JSON array, NDJSON or CSV) into records; no value ever reaches an error.
import { parse as parseCsv } from 'csv-parse/sync';
import { AppError } from '../errors/app-error.ts';

export type BodyFormat = 'json' | 'ndjson' | 'csv';

export const FORMATS: Record<string, BodyFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
};

export function formatOf(contentType: string | undefined): BodyFormat {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const f = FORMATS[mime];
  if (!f) {
    throw new AppError('request.unsupported_media_type', `Send ${Object.keys(FORMATS).join(', ')}.`);
  }
  return f;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError('request.malformed', 'The body is not valid UTF-8.');
  }
}

const malformed = (detail: string, row?: number) =>
  new AppError('request.malformed', detail, row === undefined ? {} : { errors: [{ path: '(body)', row, code: 'malformed', message: 'cannot be parsed' }] });

export const CSV_OPTIONS = {
  columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
  bom: true,
  delimiter: [',', ';'],
  skip_empty_lines: true,
  trim: false,
  relax_quotes: false,
};

/**
 * The body's one delimiter, read from its header line (outside quotes): ';' when it has more
 * semicolons than commas, else ','. Allowing both at once would split a French ';' file on its
 * decimal commas, or a ',' file on a semicolon inside an unquoted cell.
 */
export function csvDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '\n' || ch === '\r') break;
    else if (ch === ',') commas++;
    else if (ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** Parses a whole body; `maxRows` is checked as rows are counted, before any validation. */
export function parseRecords(text: string, format: BodyFormat, maxRows: number): Record<string, unknown>[] {
  const tooMany = () => new AppError('request.body_too_large', `The batch has more than VEILGATE_MAX_BATCH_ROWS (${maxRows}) rows.`);
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw malformed('The body is not valid JSON.');
    }
    if (!Array.isArray(data)) {
      throw new AppError('request.validation_failed', 'The body must be a JSON array of records.', {
        errors: [{ path: '(body)', code: 'type', message: 'must be an array' }],
      });
    }
    if (data.length > maxRows) throw tooMany();
    return data.map(asRecord);
  }
  if (format === 'ndjson') {
    const out: Record<string, unknown>[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      if (out.length >= maxRows) throw tooMany();
      try {
        out.push(asRecord(JSON.parse(line)));
      } catch {
        throw malformed(`Line ${out.length + 1} of the NDJSON body is not valid JSON.`, out.length + 1);
      }
    }
    return out;
  }
  let rows: Record<string, unknown>[];
  try {
    rows = parseCsv(text, { ...CSV_OPTIONS, delimiter: csvDelimiter(text), to: maxRows + 1 }) as Record<string, unknown>[];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw malformed(`The CSV body cannot be parsed${line ? ` (near line ${line})` : ''}.`);
  }
  if (rows.length > maxRows) throw tooMany();
  return rows;
}

/** A non-object element becomes an empty record tagged so the validator reports it as a row error. */
export const NOT_AN_OBJECT = Symbol('not-an-object');
function asRecord(v: unknown): Record<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  return { [NOT_AN_OBJECT]: true };
}
