// Writes the API document a real gateway serves (`--out FILE`, for the linter) and/or the client
// types generated from it (`--types`, into test/generated/api-types.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { API_TYPES_FILE, apiTypesSource, fetchDocument } from './api-document.ts';

const { values } = parseArgs({ options: { out: { type: 'string' }, types: { type: 'boolean', default: false } } });
if (!values.out && !values.types) throw new Error('usage: dump-openapi.ts [--out FILE] [--types]');
const document = await fetchDocument();
if (values.out) {
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify(document, null, 2) + '\n');
  console.log(`wrote ${values.out}`);
}
if (values.types) {
  fs.mkdirSync(path.dirname(API_TYPES_FILE), { recursive: true });
  fs.writeFileSync(API_TYPES_FILE, await apiTypesSource(document));
  console.log(`wrote ${path.relative(process.cwd(), API_TYPES_FILE)}`);
}
