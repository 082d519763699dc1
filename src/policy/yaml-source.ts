// Reads one YAML policy file keeping positions, so every problem can be reported with its line.
import fs from 'node:fs';
import path from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { PolicyIssue } from './policy-error.ts';

export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export function readYamlSource(
  dir: string,
  file: string,
  issues: PolicyIssue[],
): YamlSource | undefined {
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

export const dotted = (p: readonly PropertyKey[]): string =>
  p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');

/** Validates a source against a zod schema; issues carry file, path and line, never values. */
export function validateSource<T>(
  src: YamlSource,
  schema: z.ZodType<T>,
  issues: PolicyIssue[],
): T | undefined {
  const result = schema.safeParse(src.doc.toJS({ maxAliasCount: 50 }));
  if (result.success) return result.data;
  for (const i of result.error.issues) {
    issues.push({ file: src.file, path: dotted(i.path), line: lineOf(src, i.path), message: i.message });
  }
  return undefined;
}
