// Streams records from a CSV or NDJSON file in constant memory, for the CLI ingest path.
import fs from 'node:fs';
import readline from 'node:readline';
import { parse } from 'csv-parse';
import { AppError } from '../errors/app-error.ts';
import { CSV_OPTIONS, NOT_AN_OBJECT, csvDelimiter, type BodyFormat } from './parse-records.ts';

export function formatOfFile(file: string): Exclude<BodyFormat, 'json'> {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(ndjson|jsonl)$/i.test(file)) return 'ndjson';
  throw new AppError('request.unsupported_media_type', 'Use a .csv, .ndjson or .jsonl file (or --format).');
}

/** Yields records one by one; `onBytes` reports progress in bytes read. */
export async function* streamRecords(
  file: string,
  format: Exclude<BodyFormat, 'json'>,
  onBytes: (n: number) => void = () => {},
): AsyncGenerator<Record<string, unknown>> {
  const input = fs.createReadStream(file);
  input.on('data', (chunk) => onBytes(chunk.length));
  if (format === 'csv') {
    const parser = input.pipe(parse({ ...CSV_OPTIONS, delimiter: csvDelimiter(headerLine(file)) }));
    try {
      for await (const rec of parser) yield rec as Record<string, unknown>;
    } catch (e) {
      const line = (e as { lines?: number }).lines;
      throw new AppError('request.malformed', `The CSV file cannot be parsed${line ? ` (near line ${line})` : ''}.`);
    }
    return;
  }
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    n++;
    try {
      const v: unknown = JSON.parse(line);
      yield v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { [NOT_AN_OBJECT]: true };
    } catch {
      throw new AppError('request.malformed', `Record ${n} of the NDJSON file is not valid JSON.`);
    }
  }
}

/** The first 64 KiB of the file: enough to hold the header line the delimiter is read from. */
function headerLine(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65_536);
    return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
