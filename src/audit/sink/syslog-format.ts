// RFC 5424 syslog messages, written by hand (small and pure; the npm syslog clients write RFC 5424
// without structured data or RFC 6587 framing): the header, STRUCTURED-DATA with §6.3.3 escaping,
// MSG as UTF-8 after a BOM (or as bytes without one), and RFC 6587 octet-counting for TCP.

/** Facility 13, "log audit" (RFC 5424 §6.2.1). */
export const LOG_AUDIT = 13;

export interface SdElement {
  /** SD-ID: a registered name, or name@<private enterprise number>. */
  id: string;
  params: readonly (readonly [name: string, value: string])[];
}

export interface SyslogFields {
  facility: number;
  /** 0 emergency .. 7 debug. */
  severity: number;
  /** ms since the epoch; written as an RFC 3339 UTC time with milliseconds. */
  timestamp: number | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  sd: readonly SdElement[];
  msg?: string;
  /** MSG as UTF-8, starting with a BOM (§6.4); false: MSG-ANY, the bytes without one (what CEF receivers expect). */
  utf8Bom?: boolean;
}

/** A header field: printable US-ASCII without spaces, at most `max` characters, or the NILVALUE. */
export function headerField(v: string | null, max: number): string {
  if (v === null) return '-';
  const s = v.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return s === '' ? '-' : s;
}

/** An SD-NAME (SD-ID or PARAM-NAME): printable US-ASCII but = SP ] ", at most 32 characters. */
export function sdName(v: string): string {
  const s = v.replace(/[^\x21-\x7e]|[= \]"]/g, '_').slice(0, 32);
  if (s === '') throw new Error('an SD-NAME needs at least one character');
  return s;
}

/**
 * A PARAM-VALUE (§6.3.3): '"', '\' and ']' escaped with a backslash. Control characters, which the
 * RFC leaves alone, become U+FFFD so a message stays one line wherever it is written.
 */
export function sdValue(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
}

export function structuredData(sd: readonly SdElement[]): string {
  if (sd.length === 0) return '-';
  return sd.map((e) => `[${sdName(e.id)}${e.params.map(([k, v]) => ` ${sdName(k)}="${sdValue(v)}"`).join('')}]`).join('');
}

export function syslogMessage(f: SyslogFields): string {
  if (!Number.isInteger(f.facility) || f.facility < 0 || f.facility > 23) throw new Error('facility is 0..23');
  if (!Number.isInteger(f.severity) || f.severity < 0 || f.severity > 7) throw new Error('severity is 0..7');
  const header = [
    `<${f.facility * 8 + f.severity}>1`,
    f.timestamp === null ? '-' : new Date(f.timestamp).toISOString(),
    headerField(f.hostname, 255),
    headerField(f.appName, 48),
    headerField(f.procId, 128),
    headerField(f.msgId, 32),
    structuredData(f.sd),
  ].join(' ');
  if (f.msg === undefined) return header;
  return `${header} ${f.utf8Bom === false ? '' : '\ufeff'}${f.msg}`;
}

/** RFC 6587 §3.4.1 octet-counting: the message's length in octets, a space, the message. */
export const octetCounted = (message: string): string => `${Buffer.byteLength(message, 'utf8')} ${message}`;
