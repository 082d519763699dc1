// An access package in sections: the request, the identity (withheld four-eyes fields named as
// such), features, transactions, consents, memberships, partner exports, re-identifications.
import type { ComponentChildren } from 'preact';
import { Link } from '../../components/link.tsx';
import { word } from '../consents/consents-messages.ts';
import { DataTable, PagedTable, type Column } from '../../components/data-table.tsx';
import { fmtDate, fmtDateTime, fmtNumber } from '../../i18n.ts';
import { TableRegion } from '../../components/table-region.tsx';
import { fieldLabel, statusBadge, statusLabel, useDsrMessages } from './dsr-messages.ts';
import type { AccessPackage } from './dsr-types.ts';

const when = (iso: string | null | undefined, dash: string) => (iso ? fmtDateTime(iso) : dash);
const text = (v: unknown, dash: string) => (v === null || v === undefined || v === '' ? dash : typeof v === 'number' ? fmtNumber(v) : String(v));

function Section(props: { id: string; title: string; count: number; children: ComponentChildren }) {
  const m = useDsrMessages();
  return (
    <section class="panel" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.count === 0 ? <p class="muted">{m.none}</p> : props.children}
    </section>
  );
}

/** A section of a whole list, a page at a time; its title names the table and its pager. */
function PagedSection<T>(props: { id: string; title: string; items: readonly T[]; rowKey?: (row: T) => string; columns: Column<T>[] }) {
  const m = useDsrMessages();
  return (
    <Section id={props.id} title={props.title} count={props.items.length}>
      <PagedTable items={props.items} label={props.title} pager={m.pager({ what: props.title })} rowKey={props.rowKey} columns={props.columns} />
    </Section>
  );
}

/** The identity as a table of field, value and where it came from; withheld fields say so. */
export function IdentityTable(props: { identity: Record<string, string>; sources?: AccessPackage['identity_sources']; withheld?: string[] }) {
  const m = useDsrMessages();
  const withheld = props.withheld ?? [];
  const sources = props.sources;
  const names = [...new Set([...Object.keys(sources ?? {}), ...Object.keys(props.identity), ...withheld])];
  const columns: Column<string>[] = [
    { header: m.field, rowHeader: true, cell: (f) => fieldLabel(f) },
    {
      header: m.fieldValue,
      cell: (f) => (withheld.includes(f) ? <span class="badge neutral">{m.withheld}</span> : <span class="identity-value">{props.identity[f] ?? m.dash}</span>),
    },
    ...(sources
      ? [
          { header: m.source, cell: (f: string) => sources[f]?.source ?? m.dash },
          { header: m.updatedAt, cell: (f: string) => when(sources[f]?.updated_at, m.dash) },
        ]
      : []),
  ];
  return (
    <TableRegion label={m.identity}>
      <DataTable class="identity" columns={columns} rows={names} rowKey={(f) => f} rowProps={(f) => ({ 'data-field': f })} />
    </TableRegion>
  );
}

export function AccessPackageView(props: { pkg: AccessPackage }) {
  const m = useDsrMessages();
  const p = props.pkg;
  const features = Object.entries(p.features ?? {});
  return (
    <div class="access-package">
      <section class="panel" aria-labelledby="pkg-request">
        <h2 id="pkg-request">{m.packageTitle}</h2>
        <dl class="facts">
          <dt>{m.id}</dt>
          <dd>
            <code>{p.id}</code>
          </dd>
          <dt>{m.reference}</dt>
          <dd>{p.reference}</dd>
          <dt>{m.status}</dt>
          <dd>
            <span class={`badge ${statusBadge(p.status)}`}>{statusLabel(p.status)}</span>
          </dd>
          <dt>{m.pseudonym}</dt>
          <dd>
            <code>{p.pseudonym}</code>
          </dd>
        </dl>
        {p.withheld_fields.length > 0 && (
          <div class="notice withheld" role="status">
            <p>
              <strong>{m.withheldTitle}</strong>
            </p>
            <p>{m.withheldText({ fields: p.withheld_fields.map(fieldLabel).join(', '), id: p.id })}</p>
            <p>
              <Link to={`/dsr/${encodeURIComponent(p.id)}`}>{m.viewRequest}</Link>
            </p>
          </div>
        )}
      </section>

      <Section id="pkg-identity" title={m.identity} count={Object.keys(p.identity).length + p.withheld_fields.length}>
        <IdentityTable identity={p.identity} sources={p.identity_sources} withheld={p.withheld_fields} />
      </Section>

      <Section id="pkg-features" title={m.features} count={features.length}>
        <TableRegion label={m.features}>
          <DataTable
            columns={[
              { header: m.feature, rowHeader: true, cell: ([k]) => <code>{k}</code> },
              { header: m.fieldValue, numeric: ([, v]) => typeof v === 'number', cell: ([, v]) => text(v, m.dash) },
            ]}
            rows={features}
            rowKey={([k]) => k}
          />
        </TableRegion>
      </Section>

      <PagedSection
        id="pkg-transactions"
        title={m.transactions}
        items={p.transactions}
        columns={[
          { header: m.date, cell: (t) => fmtDate(`${t.date}T12:00:00Z`) /* noon UTC: the same calendar day in every time zone */ },
          {
            header: m.amount,
            numeric: true,
            cell: (t) => (
              <>
                {fmtNumber(t.amount, 2)} {t.currency}
              </>
            ),
          },
          { header: m.channel, cell: (t) => t.channel },
          { header: m.category, cell: (t) => text(t.category, m.dash) },
          { header: m.source, cell: (t) => t.source },
        ]}
      />

      <PagedSection
        id="pkg-consents"
        title={m.consents}
        items={p.consent_history}
        columns={[
          { header: m.purpose, cell: (c) => <code>{c.purpose}</code> },
          { header: m.status, cell: (c) => word(c.status) },
          { header: m.legalBasis, cell: (c) => word(c.legal_basis) },
          { header: m.source, cell: (c) => c.source },
          { header: m.collectedAt, cell: (c) => when(c.collected_at, m.dash) },
          { header: m.expiresAt, cell: (c) => when(c.expires_at, m.dash) },
          { header: m.notice, cell: (c) => text(c.notice_version, m.dash) },
        ]}
      />

      <PagedSection
        id="pkg-memberships"
        title={m.memberships}
        items={p.segment_memberships}
        rowKey={(s) => `${s.run_id}/${s.segment_id}`}
        columns={[
          { header: m.run, cell: (s) => <code>{s.run_id}</code> },
          { header: m.segment, cell: (s) => s.segment_id },
          { header: m.purpose, cell: (s) => <code>{s.purpose}</code> },
          { header: m.method, cell: (s) => s.method },
          { header: m.at, cell: (s) => when(s.at, m.dash) },
        ]}
      />

      <PagedSection
        id="pkg-exports"
        title={m.exports}
        items={p.partner_exports}
        columns={[
          { header: m.at, cell: (e) => when(e.at, m.dash) },
          { header: m.partner, cell: (e) => e.partner },
          { header: m.purpose, cell: (e) => text(e.purpose, m.dash) },
          { header: m.detail, cell: (e) => <code>{JSON.stringify(e.detail)}</code> },
        ]}
      />

      <PagedSection
        id="pkg-reidentifications"
        title={m.reidentifications}
        items={p.reidentifications}
        columns={[
          { header: m.at, cell: (r) => when(r.at, m.dash) },
          { header: m.who, cell: (r) => r.who },
          { header: m.action, cell: (r) => <code>{r.action}</code> },
          { header: m.outcome, cell: (r) => r.outcome },
          { header: m.purpose, cell: (r) => text(r.purpose, m.dash) },
          { header: m.why, cell: (r) => text(r.why, m.dash) },
        ]}
      />
    </div>
  );
}
