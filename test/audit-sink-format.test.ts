// The audit sink's formatters against the standards' own examples: RFC 5424 §6.5 messages,
// STRUCTURED-DATA escaping (§6.3.3), RFC 6587 octet-counting, and the CEF implementation
// standard's examples (header and extension escaping); then an audit entry in each format.
import { describe, expect, it } from 'vitest';
import { auditEntryJson } from '../src/audit/audit-json.ts';
import { auditFrame, auditMessage, cefEvent, SD_ID, UDP_MAX_BYTES } from '../src/audit/sink/audit-messages.ts';
import { cefLine, cefValue } from '../src/audit/sink/cef-format.ts';
import { octetCounted, sdValue, syslogMessage } from '../src/audit/sink/syslog-format.ts';
import type { AuditEntry } from '../src/audit/audit-entry.ts';

const RFC_TIME = Date.parse('2003-10-11T22:14:15.003Z');
const BOM = '\ufeff';

describe('RFC 5424 messages', () => {
  it('example 1: no structured data, a UTF-8 MSG after its BOM', () => {
    expect(
      syslogMessage({
        facility: 4,
        severity: 2,
        timestamp: RFC_TIME,
        hostname: 'mymachine.example.com',
        appName: 'su',
        procId: null,
        msgId: 'ID47',
        sd: [],
        msg: "'su root' failed for lonvick on /dev/pts/8",
      }),
    ).toBe(`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`);
  });

  it('examples 3 and 4: one and two SD-ELEMENTs, with and without MSG', () => {
    const sd = [
      {
        id: 'exampleSDID@32473',
        params: [
          ['iut', '3'],
          ['eventSource', 'Application'],
          ['eventID', '1011'],
        ] as const,
      },
    ];
    const base = { facility: 20, severity: 5, timestamp: RFC_TIME, hostname: 'mymachine.example.com', appName: 'evntslog', procId: null, msgId: 'ID47' };
    expect(syslogMessage({ ...base, sd, msg: 'An application event log entry...' })).toBe(
      `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ${BOM}An application event log entry...`,
    );
    expect(syslogMessage({ ...base, sd: [...sd, { id: 'examplePriority@32473', params: [['class', 'high']] }] })).toBe(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    );
  });

  it('§6.3.3: ", \\ and ] are escaped in PARAM-VALUE, nothing else is; header fields hold printable ASCII only', () => {
    expect(sdValue('a"b\\c]d=e[f')).toBe('a\\"b\\\\c\\]d=e[f');
    expect(sdValue('line\nbreak')).toBe('line\ufffdbreak');
    const m = syslogMessage({ facility: 13, severity: 6, timestamp: 0, hostname: 'host name', appName: 'veilgate', procId: '42', msgId: 'an action', sd: [] });
    expect(m).toBe('<110>1 1970-01-01T00:00:00.000Z host_name veilgate 42 an_action -');
    expect(() => syslogMessage({ facility: 24, severity: 0, timestamp: 0, hostname: null, appName: null, procId: null, msgId: null, sd: [] })).toThrow();
  });

  it('RFC 6587 octet-counting counts octets, not characters', () => {
    expect(octetCounted('<13>1 - - - - - -')).toBe('17 <13>1 - - - - - -');
    expect(octetCounted('é')).toBe('2 é');
    expect(octetCounted(`${BOM}x`)).toBe('4 \ufeffx');
  });
});

describe('CEF', () => {
  const ev = { vendor: 'security', product: 'threatmanager', version: '1.0', signatureId: '100', severity: 10 };
  it("the standard's examples", () => {
    expect(
      cefLine({
        ...ev,
        vendor: 'Security',
        name: 'worm successfully stopped',
        extension: [
          ['src', '10.0.0.1'],
          ['dst', '2.1.2.2'],
          ['spt', 1232],
        ],
      }),
    ).toBe('CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232');
    expect(
      cefLine({
        ...ev,
        name: 'detected a | in message',
        extension: [
          ['src', '10.0.0.1'],
          ['act', 'blocked a |'],
          ['dst', '1.1.1.1'],
        ],
      }),
    ).toBe('CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 act=blocked a | dst=1.1.1.1');
    expect(
      cefLine({
        ...ev,
        name: 'detected a \\ in packet',
        extension: [
          ['src', '10.0.0.1'],
          ['act', 'blocked a \\'],
          ['dst', '1.1.1.1'],
        ],
      }),
    ).toBe('CEF:0|security|threatmanager|1.0|100|detected a \\\\ in packet|10|src=10.0.0.1 act=blocked a \\\\ dst=1.1.1.1');
    expect(
      cefLine({
        ...ev,
        name: 'detected a = in message',
        extension: [
          ['src', '10.0.0.1'],
          ['act', 'blocked a ='],
          ['dst', '1.1.1.1'],
        ],
      }),
    ).toBe('CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1');
    expect(cefValue('Detected a threat.\n No action needed.')).toBe('Detected a threat.\\n No action needed.');
  });
  it('refuses a severity or a key the format has no room for', () => {
    expect(() => cefLine({ ...ev, severity: 11, name: 'x', extension: [] })).toThrow();
    expect(() => cefLine({ ...ev, name: 'x', extension: [['bad key', 'v']] })).toThrow();
  });
});

describe('an audit entry in each format', () => {
  const entry: AuditEntry = {
    seq: 42,
    at: RFC_TIME,
    actorIssuer: 'dev',
    actorSubject: 'al]ice "x"',
    roles: 'dpo',
    action: 'reidentification.request',
    outcome: 'denied',
    purpose: 'customer_service',
    justification: 'a=b | c\\d\r\nnext line',
    subjects: JSON.stringify(['p1_AAAAAAAAAAAAAAAAAAAAAA']),
    policyVersion: 'abc123',
    requestId: 'req-1',
    detail: JSON.stringify({ reason: 'quota' }),
    prevHash: '0'.repeat(64),
    hash: 'f'.repeat(64),
  };
  const j = auditEntryJson(entry);
  const origin = { hostname: 'gw-1.example', procId: '4242', version: '0.1.0' };

  it("jsonl: the export's entry shape, one line", () => {
    expect(auditFrame('jsonl', 'file', j, origin)).toBe(`${JSON.stringify(j)}\n`);
    expect(JSON.parse(auditFrame('jsonl', 'stdout', j, origin))).toEqual(j);
  });

  it('syslog: log audit facility, the outcome as severity, MSGID the action, a summary in SD, the JSON entry as MSG', () => {
    const m = auditMessage('syslog', 'udp', j, origin);
    // denied: warning (4); facility 13: PRI 108
    expect(
      m.startsWith(
        `<108>1 2003-10-11T22:14:15.003Z gw-1.example veilgate 4242 reidentification.request [${SD_ID} seq="42" actor="dev:al\\]ice \\"x\\"" roles="dpo" outcome="denied" purpose="customer_service" subjects="1" request_id="req-1" policy_version="abc123" hash="${'f'.repeat(64)}"] ${BOM}`,
      ),
    ).toBe(true);
    expect(JSON.parse(m.slice(m.indexOf(BOM) + 1))).toEqual(j);
    const tcp = auditFrame('syslog', 'tcp', j, origin);
    expect(tcp).toBe(`${Buffer.byteLength(m)} ${m}`);
  });

  it('cef: escaped header and extension, every field of the entry', () => {
    const line = cefEvent(j, origin);
    expect(
      line.startsWith(
        'CEF:0|Veilgate|Veilgate|0.1.0|reidentification.request|reidentification.request denied|7|rt=1065910455003 externalId=42 act=reidentification.request outcome=denied suser=dev:al]ice "x" ',
      ),
    ).toBe(true);
    expect(line).toContain('cs2Label=justification cs2=a\\=b | c\\\\d\\r\\nnext line cs3Label');
    expect(line).toContain('cs4={"reason":"quota"} cs5Label=requestId cs5=req-1');
    expect(line).not.toMatch(/[\r\n]/);
    expect(auditFrame('cef', 'file', j, origin)).toBe(`${line}\n`);
    // on the network, inside an RFC 5424 message without a BOM (CEF receivers look for "CEF:")
    const net = auditMessage('cef', 'tcp', j, origin);
    expect(net).toBe(`<108>1 2003-10-11T22:14:15.003Z gw-1.example veilgate 4242 reidentification.request - ${line}`);
  });

  it('a datagram too large for UDP carries the subjects as a count', () => {
    const many = auditEntryJson({ ...entry, subjects: JSON.stringify(Array.from({ length: 5000 }, (_, i) => `p1_${String(i).padStart(22, '0')}`)) });
    const frame = auditFrame('jsonl', 'udp', many, origin);
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(UDP_MAX_BYTES);
    expect(JSON.parse(frame)).toMatchObject({ seq: 42, subjects: [], subjects_omitted: 5000 });
    expect(JSON.parse(auditFrame('jsonl', 'tcp', many, origin)).subjects).toHaveLength(5000);
  });
});
