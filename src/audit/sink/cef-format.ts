// ArcSight Common Event Format lines, written by hand (no maintained npm formatter exists):
// CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension,
// with the header's '\' and '|' escaped, and in the extension '\', '=' and line breaks.

export interface CefEvent {
  vendor: string;
  product: string;
  version: string;
  signatureId: string;
  name: string;
  /** 0 (lowest) .. 10. */
  severity: number;
  extension: readonly (readonly [key: string, value: string | number])[];
}

/** A header field: '\' and '|' escaped; a line break (not allowed there) becomes a space. */
export const cefHeader = (v: string): string => v.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');

/** An extension value: '\' and '=' escaped, line breaks written \n and \r ('|' needs no escape). */
export const cefValue = (v: string): string =>
  v
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');

export function cefLine(e: CefEvent): string {
  if (!Number.isInteger(e.severity) || e.severity < 0 || e.severity > 10) throw new Error('CEF severity is 0..10');
  for (const [k] of e.extension) if (!/^[A-Za-z0-9_]+$/.test(k)) throw new Error(`not a CEF extension key: ${k}`);
  const header = ['CEF:0', ...[e.vendor, e.product, e.version, e.signatureId, e.name].map(cefHeader), String(e.severity)].join('|');
  return `${header}|${e.extension.map(([k, v]) => `${k}=${cefValue(String(v))}`).join(' ')}`;
}
