// Reads one YAML policy file keeping positions, so every problem can be reported with its line.
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { PolicyIssue } from './policy-error.ts';

export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export function readYamlSource(dir: string, file: string, issues: PolicyIssue[]): YamlSource | undefined {
  const full = path.join(dir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch {
    issues.push({ file, path: '', line: undefined, message: 'file is missing or unreadable' });
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      issues.push({ file, path: '', line: lines.linePos(e.pos[0]).line, message: e.code.toLowerCase().replace(/_/g, ' ') });
    }
    return undefined;
  }
  return { file, doc, lines };
}

/** Line of the deepest existing node along `p` (a missing key is reported where its parent is). */
export function lineOf(src: YamlSource, p: readonly PropertyKey[]): number | undefined {
  for (let n = p.length; n >= 0; n--) {
    const node = n === 0 ? src.doc.contents : src.doc.getIn(p.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return src.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Line of the key itself when `p` ends at a mapping key (its value may start on a later line). */
function keyLineOf(src: YamlSource, p: readonly PropertyKey[]): number | undefined {
  const parent = p.length === 1 ? src.doc.contents : src.doc.getIn(p.slice(0, -1) as unknown[], true);
  const pair = isMap(parent) ? parent.items.find((it) => isScalar(it.key) && it.key.value === p[p.length - 1]) : undefined;
  if (pair && isNode(pair.key) && pair.key.range) return src.lines.linePos(pair.key.range[0]).line;
  return lineOf(src, p);
}

export const dotted = (p: readonly PropertyKey[]): string =>
  p
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .replace(/^\./, '');

/** Validates a source against a zod schema; issues carry file, path and line, never values. */
export function validateSource<T>(src: YamlSource, schema: z.ZodType<T>, issues: PolicyIssue[]): T | undefined {
  const result = schema.safeParse(src.doc.toJS({ maxAliasCount: 50 }));
  if (result.success) return result.data;
  for (const i of result.error.issues) {
    // An unknown key is reported at its own line, not at the line of the object holding it.
    const paths = i.code === 'unrecognized_keys' && i.keys.length > 0 ? i.keys.map((k) => [...i.path, k]) : [i.path];
    const line = i.code === 'unrecognized_keys' ? keyLineOf : lineOf;
    for (const p of paths) issues.push({ file: src.file, path: dotted(p), line: line(src, p), message: i.message });
  }
  return undefined;
}
