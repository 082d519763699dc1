// The effective policy's parts as tables: roles, purposes, privileges, access rules, issuers,
// sources and the dictionary.
import type { ComponentChildren } from 'preact';
import { fmtNumber, fmtPercent } from '../../i18n.ts';
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
      <table class="policy-roles">
        <thead>
          <tr>
            <th scope="col">{m.role}</th>
            <th scope="col">{m.description}</th>
            <th scope="col">{m.operations}</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(props.roles).map(([name, r]) => (
            <tr key={name} data-role={name}>
              <th scope="row">{name}</th>
              <td>{r.description}</td>
              <td>
                <Names items={r.operations} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

export function PurposesTable(props: { purposes: NonNullable<Policy['purposes']> }) {
  const m = usePolicyMessages();
  return (
    <TableRegion label={m.purposes}>
      <table>
        <thead>
          <tr>
            <th scope="col">{m.purpose}</th>
            <th scope="col">{m.description}</th>
            <th scope="col">{m.legalBases}</th>
            <th scope="col">{m.basis}</th>
            <th scope="col" class="num">
              {m.validityDays}
            </th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(props.purposes).map(([name, p]) => {
            const days = p.consent_validity_days ?? p.consentValidityDays;
            return (
              <tr key={name} data-purpose={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td>{p.description}</td>
                <td>
                  <Names items={p.legal_bases ?? p.legalBases} />
                </td>
                <td>
                  <code>{p.basis}</code>
                </td>
                <td class="num">{days === undefined ? m.dash : fmtNumber(days)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
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
        <table>
          <thead>
            <tr>
              <th scope="col">{m.rule}</th>
              <th scope="col">{m.decision}</th>
              <th scope="col" class="num">
                {m.priority}
              </th>
              <th scope="col">{m.roles}</th>
              <th scope="col">{m.issuers}</th>
              <th scope="col">{m.purposes}</th>
              <th scope="col">{m.actions}</th>
              <th scope="col">{m.categories}</th>
            </tr>
          </thead>
          <tbody>
            {props.rules.map((r) => (
              <tr key={r.id} data-rule={r.id}>
                <th scope="row">
                  <code>{r.id}</code>
                </th>
                <td>
                  <span class={`badge ${r.decision === 'ALLOW' ? 'ok' : 'bad'}`}>{r.decision === 'ALLOW' ? m.allow : m.deny}</span>
                </td>
                <td class="num">{fmtNumber(r.priority)}</td>
                <td>
                  <Names items={r.roles} empty={m.any} />
                </td>
                <td>
                  <Names items={r.issuers} empty={m.any} />
                </td>
                <td>
                  <Names items={r.purposes} empty={m.any} />
                </td>
                <td>
                  <Names items={r.actions} />
                </td>
                <td>
                  <Names items={r.data_categories} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
    </>
  );
}

export function IssuersTable(props: { issuers: NonNullable<Policy['issuers']> }) {
  const m = usePolicyMessages();
  return (
    <TableRegion label={m.issuersTitle}>
      <table>
        <thead>
          <tr>
            <th scope="col">{m.issuer}</th>
            <th scope="col">{m.issuerUrl}</th>
            <th scope="col">{m.audience}</th>
            <th scope="col">{m.algorithms}</th>
            <th scope="col">{m.roles}</th>
            <th scope="col" class="num">
              {m.maxLifetime}
            </th>
            <th scope="col">{m.keys}</th>
          </tr>
        </thead>
        <tbody>
          {props.issuers.map((i) => (
            <tr key={i.id}>
              <th scope="row">
                <code>{i.id}</code>
              </th>
              <td>
                <code>{i.issuer}</code>
              </td>
              <td>
                <Names items={i.audience} />
              </td>
              <td>
                <Names items={i.algorithms} />
              </td>
              <td>
                <Names items={i.roles} />
              </td>
              <td class="num">{i.max_token_lifetime === undefined ? m.dash : fmtNumber(i.max_token_lifetime)}</td>
              <td>{i.keys.jwks_url ? <code>{i.keys.jwks_url}</code> : <Names items={[i.keys.jwks_file ?? null, ...(i.keys.kids ?? [])]} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

export function SourcesTable(props: { sources: NonNullable<Policy['sources']> }) {
  const m = usePolicyMessages();
  return (
    <TableRegion label={m.sources}>
      <table>
        <thead>
          <tr>
            <th scope="col">{m.source}</th>
            <th scope="col">{m.description}</th>
            <th scope="col">{m.writers}</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(props.sources).map(([name, s]) => (
            <tr key={name}>
              <th scope="row">
                <code>{name}</code>
              </th>
              <td>{s.description ?? m.dash}</td>
              <td>
                {(s.writers ?? []).map((w, i) => (
                  <span key={i} class="writer">
                    <code>{w.issuer}</code>
                    {w.subjects && w.subjects.length > 0 && <span class="muted small"> ({m.subjects({ list: w.subjects.join(', ') })})</span>}{' '}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
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
        <table>
          <thead>
            <tr>
              <th scope="col">{m.feature}</th>
              <th scope="col">{m.kind}</th>
              <th scope="col">{m.classification}</th>
              <th scope="col">{m.category}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(d.features ?? {}).map(([name, f]) => (
              <tr key={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td>{f.kind}</td>
                <td>{f.classification}</td>
                <td>
                  <code>{f.category}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
      {Object.entries(d.record_types ?? {}).map(([type, fields]) => (
        <details key={type}>
          <summary>{m.recordType({ name: type })}</summary>
          <TableRegion label={m.recordType({ name: type })}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{m.field}</th>
                  <th scope="col">{m.type}</th>
                  <th scope="col">{m.classification}</th>
                  <th scope="col">{m.category}</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(fields).map(([name, f]) => (
                  <tr key={name}>
                    <th scope="row">
                      <code>{name}</code>
                    </th>
                    <td>{f.type ?? m.dash}</td>
                    <td>{f.classification ?? m.dash}</td>
                    <td>{f.category ? <code>{f.category}</code> : m.dash}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableRegion>
        </details>
      ))}
    </>
  );
}
