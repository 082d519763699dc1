// The effective policy's parts as tables: roles, purposes, privileges, access rules, issuers,
// sources and the dictionary.
import type { ComponentChildren } from 'preact';
import { fmtNumber, fmtPercent } from '../../i18n.ts';
import { DataTable } from '../../components/data-table.tsx';
import { TableRegion } from '../../components/table-region.tsx';
import { usePolicyMessages } from './policy-messages.ts';
import type { AccessRule, EffectivePolicy, Privilege } from './policy-types.ts';

type Policy = EffectivePolicy['policy'];

/** A list of names as inline code, or a dash. */
function Names(props: { items: readonly (string | null)[] | undefined; empty?: string }) {
  const m = usePolicyMessages();
  if (!props.items || props.items.length === 0) return <>{props.empty ?? m.dash}</>;
  return (
    <ul class="name-list">
      {props.items.map((n, i) => (
        <li key={i}>
          <code>{n ?? m.dash}</code>
        </li>
      ))}
    </ul>
  );
}

export function PolicySection(props: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="panel" aria-labelledby={props.id} id={`${props.id}-section`}>
      <h2 id={props.id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function RolesTable(props: { roles: NonNullable<Policy['roles']> }) {
  const m = usePolicyMessages();
  return (
    <TableRegion label={m.roles}>
      <DataTable
        class="policy-roles"
        rows={Object.entries(props.roles)}
        rowKey={([name]) => name}
        rowProps={([name]) => ({ 'data-role': name })}
        columns={[
          { header: m.role, rowHeader: true, cell: ([name]) => name },
          { header: m.description, cell: ([, r]) => r.description },
          { header: m.operations, cell: ([, r]) => <Names items={r.operations} /> },
        ]}
      />
    </TableRegion>
  );
}

export function PurposesTable(props: { purposes: NonNullable<Policy['purposes']> }) {
  const m = usePolicyMessages();
  return (
    <TableRegion label={m.purposes}>
      <DataTable
        rows={Object.entries(props.purposes)}
        rowKey={([name]) => name}
        rowProps={([name]) => ({ 'data-purpose': name })}
        columns={[
          { header: m.purpose, rowHeader: true, cell: ([name]) => <code>{name}</code> },
          { header: m.description, cell: ([, p]) => p.description },
          { header: m.legalBases, cell: ([, p]) => <Names items={p.legal_bases ?? p.legalBases} /> },
          { header: m.basis, cell: ([, p]) => <code>{p.basis}</code> },
          {
            header: m.validityDays,
            numeric: true,
            cell: ([, p]) => {
              const days = p.consent_validity_days ?? p.consentValidityDays;
              return days === undefined ? m.dash : fmtNumber(days);
            },
          },
        ]}
      />
    </TableRegion>
  );
}

/** Roles as columns, one row per privilege: six roles fit a page, ten privileges would not. */
export function PrivilegesTable(props: { privileges: NonNullable<Policy['privileges']> }) {
  const m = usePolicyMessages();
  const columns = Object.entries(props.privileges).flatMap(([role, p]) => [
    { key: role, role, issuer: undefined as string | undefined, p: p as Omit<Privilege, 'issuers'> },
    ...Object.entries(p.issuers ?? {}).map(([issuer, q]) => ({ key: `${role}/${issuer}`, role, issuer, p: q })),
  ]);
  const yn = (b: boolean) => (b ? m.yes : m.no);
  const n = (v: number | undefined) => (v === undefined ? m.dash : fmtNumber(v));
  const rows: { label: string; num?: boolean; cell: (p: Omit<Privilege, 'issuers'>) => ComponentChildren }[] = [
    { label: m.invokes, cell: (p) => <Names items={p.purposes} /> },
    { label: m.exportMembers, cell: (p) => yn(p.export_members) },
    { label: m.partnerScoped, cell: (p) => yn(p.partner_scoped) },
    { label: m.minGroup, num: true, cell: (p) => n(p.min_group_size) },
    { label: m.reidentify, cell: (p) => <Names items={p.reidentify_purposes} /> },
    { label: m.minJustification, num: true, cell: (p) => n(p.min_justification) },
    { label: m.dailyQuota, num: true, cell: (p) => n(p.daily_quota) },
    { label: m.fourEyes, cell: (p) => <Names items={p.four_eyes_fields} /> },
    { label: m.dsrQuota, num: true, cell: (p) => n(p.dsr_daily_quota) },
  ];
  return (
    <TableRegion label={m.privileges}>
      <table class="policy-privileges">
        <thead>
          <tr>
            <td />
            {columns.map((c) => (
              <th scope="col" key={c.key} data-role={c.role}>
                {c.role}
                {c.issuer && <span class="muted small"> ({m.narrowed({ issuer: c.issuer })})</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              {columns.map((c) => (
                <td key={c.key} class={r.num ? 'num' : undefined}>
                  {r.cell(c.p)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

export function RulesTable(props: { rules: AccessRule[] }) {
  const m = usePolicyMessages();
  return (
    <>
      <p>{m.rulesIntro}</p>
      <TableRegion label={m.rules}>
        <DataTable
          rows={props.rules}
          rowKey={(r) => r.id}
          rowProps={(r) => ({ 'data-rule': r.id })}
          columns={[
            { header: m.rule, rowHeader: true, cell: (r) => <code>{r.id}</code> },
            {
              header: m.decision,
              cell: (r) => <span class={`badge ${r.decision === 'ALLOW' ? 'ok' : 'bad'}`}>{r.decision === 'ALLOW' ? m.allow : m.deny}</span>,
            },
            { header: m.priority, numeric: true, cell: (r) => fmtNumber(r.priority) },
            { header: m.roles, cell: (r) => <Names items={r.roles} empty={m.any} /> },
            { header: m.issuers, cell: (r) => <Names items={r.issuers} empty={m.any} /> },
            { header: m.purposes, cell: (r) => <Names items={r.purposes} empty={m.any} /> },
            { header: m.actions, cell: (r) => <Names items={r.actions} /> },
            { header: m.categories, cell: (r) => <Names items={r.data_categories} /> },
          ]}
        />
      </TableRegion>
    </>
  );
}

export function IssuersTable(props: { issuers: NonNullable<Policy['issuers']> }) {
  const m = usePolicyMessages();
  return (
    <TableRegion label={m.issuersTitle}>
      <DataTable
        rows={props.issuers}
        rowKey={(i) => i.id}
        columns={[
          { header: m.issuer, rowHeader: true, cell: (i) => <code>{i.id}</code> },
          { header: m.issuerUrl, cell: (i) => <code>{i.issuer}</code> },
          { header: m.audience, cell: (i) => <Names items={i.audience} /> },
          { header: m.algorithms, cell: (i) => <Names items={i.algorithms} /> },
          { header: m.roles, cell: (i) => <Names items={i.roles} /> },
          { header: m.maxLifetime, numeric: true, cell: (i) => (i.max_token_lifetime === undefined ? m.dash : fmtNumber(i.max_token_lifetime)) },
          {
            header: m.keys,
            cell: (i) => (i.keys.jwks_url ? <code>{i.keys.jwks_url}</code> : <Names items={[i.keys.jwks_file ?? null, ...(i.keys.kids ?? [])]} />),
          },
        ]}
      />
    </TableRegion>
  );
}

export function SourcesTable(props: { sources: NonNullable<Policy['sources']> }) {
  const m = usePolicyMessages();
  return (
    <TableRegion label={m.sources}>
      <DataTable
        rows={Object.entries(props.sources)}
        rowKey={([name]) => name}
        columns={[
          { header: m.source, rowHeader: true, cell: ([name]) => <code>{name}</code> },
          { header: m.description, cell: ([, s]) => s.description ?? m.dash },
          {
            header: m.writers,
            cell: ([, s]) =>
              (s.writers ?? []).map((w, i) => (
                <span key={i} class="writer">
                  <code>{w.issuer}</code>
                  {w.subjects && w.subjects.length > 0 && <span class="muted small"> ({m.subjects({ list: w.subjects.join(', ') })})</span>}{' '}
                </span>
              )),
          },
        ]}
      />
    </TableRegion>
  );
}

export function DictionaryView(props: { dictionary: NonNullable<Policy['dictionary']> }) {
  const m = usePolicyMessages();
  const d = props.dictionary;
  return (
    <>
      <dl class="facts">
        <dt>{m.defaultRegion}</dt>
        <dd>{d.default_region ?? m.dash}</dd>
        <dt>{m.linkage}</dt>
        <dd>{(d.linkage ?? []).map((k) => k.join(' + ')).join(' ; ') || m.dash}</dd>
        <dt>{m.threshold}</dt>
        <dd>{d.validity_threshold === undefined ? m.dash : fmtPercent(d.validity_threshold)}</dd>
      </dl>
      <h3>{m.features}</h3>
      <TableRegion label={m.features}>
        <DataTable
          rows={Object.entries(d.features ?? {})}
          rowKey={([name]) => name}
          columns={[
            { header: m.feature, rowHeader: true, cell: ([name]) => <code>{name}</code> },
            { header: m.kind, cell: ([, f]) => f.kind },
            { header: m.classification, cell: ([, f]) => f.classification },
            { header: m.category, cell: ([, f]) => <code>{f.category}</code> },
          ]}
        />
      </TableRegion>
      {Object.entries(d.record_types ?? {}).map(([type, fields]) => (
        <details key={type}>
          <summary>{m.recordType({ name: type })}</summary>
          <TableRegion label={m.recordType({ name: type })}>
            <DataTable
              rows={Object.entries(fields)}
              rowKey={([name]) => name}
              columns={[
                { header: m.field, rowHeader: true, cell: ([name]) => <code>{name}</code> },
                { header: m.type, cell: ([, f]) => f.type ?? m.dash },
                { header: m.classification, cell: ([, f]) => f.classification ?? m.dash },
                { header: m.category, cell: ([, f]) => (f.category ? <code>{f.category}</code> : m.dash) },
              ]}
            />
          </TableRegion>
        </details>
      ))}
    </>
  );
}
