// One audit entry as each sink format writes it: a JSON line (the export's entry shape), an
// RFC 5424 message (MSGID the action, a summary in STRUCTURED-DATA, the JSON entry as MSG) or a
// CEF event; and framed for its transport (a line, an RFC 6587 octet-counted frame, a datagram).
import type { AuditEntryJson } from '../audit-json.ts';
import { cefLine } from './cef-format.ts';
import { LOG_AUDIT, octetCounted, syslogMessage, type SdElement } from './syslog-format.ts';

export type SinkFormat = 'jsonl' | 'syslog' | 'cef';
export type SinkTransport = 'stdout' | 'file' | 'udp' | 'tcp';

/** The sending process, as syslog and CEF name it. */
export interface SinkOrigin {
  hostname: string;
  procId: string;
  version: string;
}

/** SD-ID of the summary element; 32473 is the private enterprise number RFC 5612 reserves for examples. */
export const SD_ID = 'veilgate@32473';

/** A datagram larger than this is not sent as it is (65,507 is IPv4's most; leave room): its subjects become a count. */
export const UDP_MAX_BYTES = 65_000;

/** Syslog severity of an outcome: a refusal is a warning, a failure an error, a pending request a notice. */
const SEVERITY: Record<string, number> = { failed: 3, denied: 4, pending: 5, granted: 6, ok: 6 };
/** CEF severity (0..10) of an outcome. */
const CEF_SEVERITY: Record<string, number> = { failed: 8, denied: 7, pending: 5, granted: 3, ok: 3 };

function summary(j: AuditEntryJson): SdElement {
  const params: [string, string][] = [
    ['seq', String(j.seq)],
    ['actor', `${j.actor.issuer}:${j.actor.subject}`],
    ['roles', j.roles.join(',')],
    ['outcome', j.outcome],
    ...(j.purpose !== null ? [['purpose', j.purpose] as [string, string]] : []),
    ['subjects', String(j.subjects.length)],
    ...(j.request_id !== null ? [['request_id', j.request_id] as [string, string]] : []),
    ['policy_version', j.policy_version],
    ['hash', j.hash],
  ];
  return { id: SD_ID, params };
}

const syslogOf = (j: AuditEntryJson, o: SinkOrigin, msg: string, utf8Bom: boolean): string =>
  syslogMessage({
    facility: LOG_AUDIT,
    severity: SEVERITY[j.outcome] ?? 5,
    timestamp: Date.parse(j.at),
    hostname: o.hostname,
    appName: 'veilgate',
    procId: o.procId,
    msgId: j.action,
    sd: utf8Bom ? [summary(j)] : [],
    msg,
    utf8Bom,
  });

export function cefEvent(j: AuditEntryJson, o: SinkOrigin): string {
  return cefLine({
    vendor: 'Veilgate',
    product: 'Veilgate',
    version: o.version,
    signatureId: j.action,
    name: `${j.action} ${j.outcome}`,
    severity: CEF_SEVERITY[j.outcome] ?? 5,
    extension: [
      ['rt', Date.parse(j.at)],
      ['externalId', j.seq],
      ['act', j.action],
      ['outcome', j.outcome],
      ['suser', `${j.actor.issuer}:${j.actor.subject}`],
      ['spriv', j.roles.join(',')],
      ['dvchost', o.hostname],
      ['dvcpid', o.procId],
      ['cs1Label', 'purpose'],
      ['cs1', j.purpose ?? ''],
      ['cs2Label', 'justification'],
      ['cs2', j.justification ?? ''],
      ['cs3Label', 'subjects'],
      ['cs3', j.subjects.join(' ')],
      ['cs4Label', 'detail'],
      ['cs4', JSON.stringify(j.detail)],
      ['cs5Label', 'requestId'],
      ['cs5', j.request_id ?? ''],
      ['cs6Label', 'policyVersion'],
      ['cs6', j.policy_version],
      ['flexString1Label', 'hash'],
      ['flexString1', j.hash],
      ['flexString2Label', 'prevHash'],
      ['flexString2', j.prev_hash],
    ],
  });
}

/** The message of an entry, unframed. CEF over the network travels in an RFC 5424 message, as receivers expect. */
export function auditMessage(format: SinkFormat, transport: SinkTransport, j: AuditEntryJson, o: SinkOrigin): string {
  if (format === 'jsonl') return JSON.stringify(j);
  if (format === 'syslog') return syslogOf(j, o, JSON.stringify(j), true);
  const cef = cefEvent(j, o);
  return transport === 'udp' || transport === 'tcp' ? syslogOf(j, o, cef, false) : cef;
}

/** The bytes written for an entry on its transport. */
export function auditFrame(format: SinkFormat, transport: SinkTransport, j: AuditEntryJson, o: SinkOrigin): string {
  if (transport === 'udp') {
    const m = auditMessage(format, transport, j, o);
    if (Buffer.byteLength(m, 'utf8') <= UDP_MAX_BYTES) return m;
    // a datagram cannot hold it: the subjects become a count (the audit table keeps the entry whole)
    return auditMessage(format, transport, { ...j, subjects: [], subjects_omitted: j.subjects.length } as AuditEntryJson, o);
  }
  const m = auditMessage(format, transport, j, o);
  return transport === 'tcp' && format !== 'jsonl' ? octetCounted(m) : `${m}\n`;
}
