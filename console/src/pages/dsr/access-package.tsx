// An access package in sections: the request, the identity (withheld four-eyes fields named as
// such), features, transactions, consents, memberships, partner exports, re-identifications.
import type { ComponentChildren } from 'preact';
import { Link } from '../../components/link.tsx';
import { word } from '../consents/consents-messages.ts';
import { Paged } from '../../components/paged.tsx';
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

/** The identity as a table of field, value and where it came from; withheld fields say so. */
export function IdentityTable(props: { identity: Record<string, string>; sources?: AccessPackage['identity_sources']; withheld?: string[] }) {
  const m = useDsrMessages();
  const withheld = props.withheld ?? [];
  const names = [...new Set([...Object.keys(props.sources ?? {}), ...Object.keys(props.identity), ...withheld])];
  return (
    <TableRegion label={m.identity}>
      <table class="identity">
        <thead>
          <tr>
            <th scope="col">{m.field}</th>
            <th scope="col">{m.fieldValue}</th>
            {props.sources && <th scope="col">{m.source}</th>}
            {props.sources && <th scope="col">{m.updatedAt}</th>}
          </tr>
        </thead>
        <tbody>
          {names.map((f) => (
            <tr key={f} data-field={f}>
              <th scope="row">{fieldLabel(f)}</th>
              <td>
                {withheld.includes(f) ? <span class="badge neutral">{m.withheld}</span> : <span class="identity-value">{props.identity[f] ?? m.dash}</span>}
              </td>
              {props.sources && <td>{props.sources[f]?.source ?? m.dash}</td>}
              {props.sources && <td>{when(props.sources[f]?.updated_at, m.dash)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
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
          <table>
            <thead>
              <tr>
                <th scope="col">{m.feature}</th>
                <th scope="col">{m.fieldValue}</th>
              </tr>
            </thead>
            <tbody>
              {features.map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">
                    <code>{k}</code>
                  </th>
                  <td class={typeof v === 'number' ? 'num' : undefined}>{text(v, m.dash)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      </Section>

      <Section id="pkg-transactions" title={m.transactions} count={p.transactions.length}>
        <Paged items={p.transactions} label={m.pager({ what: m.transactions })}>
          {(rows) => (
            <TableRegion label={m.transactions}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{m.date}</th>
                    <th scope="col" class="num">
                      {m.amount}
                    </th>
                    <th scope="col">{m.channel}</th>
                    <th scope="col">{m.category}</th>
                    <th scope="col">{m.source}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((t, i) => (
                    <tr key={i}>
                      <td>{fmtDate(`${t.date}T12:00:00Z`) /* noon UTC: the same calendar day in every time zone */}</td>
                      <td class="num">
                        {fmtNumber(t.amount, 2)} {t.currency}
                      </td>
                      <td>{t.channel}</td>
                      <td>{text(t.category, m.dash)}</td>
                      <td>{t.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
        </Paged>
      </Section>

      <Section id="pkg-consents" title={m.consents} count={p.consent_history.length}>
        <Paged items={p.consent_history} label={m.pager({ what: m.consents })}>
          {(rows) => (
            <TableRegion label={m.consents}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{m.purpose}</th>
                    <th scope="col">{m.status}</th>
                    <th scope="col">{m.legalBasis}</th>
                    <th scope="col">{m.source}</th>
                    <th scope="col">{m.collectedAt}</th>
                    <th scope="col">{m.expiresAt}</th>
                    <th scope="col">{m.notice}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c, i) => (
                    <tr key={i}>
                      <td>
                        <code>{c.purpose}</code>
                      </td>
                      <td>{word(c.status)}</td>
                      <td>{word(c.legal_basis)}</td>
                      <td>{c.source}</td>
                      <td>{when(c.collected_at, m.dash)}</td>
                      <td>{when(c.expires_at, m.dash)}</td>
                      <td>{text(c.notice_version, m.dash)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
        </Paged>
      </Section>

      <Section id="pkg-memberships" title={m.memberships} count={p.segment_memberships.length}>
        <Paged items={p.segment_memberships} label={m.pager({ what: m.memberships })}>
          {(rows) => (
            <TableRegion label={m.memberships}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{m.run}</th>
                    <th scope="col">{m.segment}</th>
                    <th scope="col">{m.purpose}</th>
                    <th scope="col">{m.method}</th>
                    <th scope="col">{m.at}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={`${s.run_id}/${s.segment_id}`}>
                      <td>
                        <code>{s.run_id}</code>
                      </td>
                      <td>{s.segment_id}</td>
                      <td>
                        <code>{s.purpose}</code>
                      </td>
                      <td>{s.method}</td>
                      <td>{when(s.at, m.dash)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
        </Paged>
      </Section>

      <Section id="pkg-exports" title={m.exports} count={p.partner_exports.length}>
        <Paged items={p.partner_exports} label={m.pager({ what: m.exports })}>
          {(rows) => (
            <TableRegion label={m.exports}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{m.at}</th>
                    <th scope="col">{m.partner}</th>
                    <th scope="col">{m.purpose}</th>
                    <th scope="col">{m.detail}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((e, i) => (
                    <tr key={i}>
                      <td>{when(e.at, m.dash)}</td>
                      <td>{e.partner}</td>
                      <td>{text(e.purpose, m.dash)}</td>
                      <td>
                        <code>{JSON.stringify(e.detail)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
        </Paged>
      </Section>

      <Section id="pkg-reidentifications" title={m.reidentifications} count={p.reidentifications.length}>
        <Paged items={p.reidentifications} label={m.pager({ what: m.reidentifications })}>
          {(rows) => (
            <TableRegion label={m.reidentifications}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{m.at}</th>
                    <th scope="col">{m.who}</th>
                    <th scope="col">{m.action}</th>
                    <th scope="col">{m.outcome}</th>
                    <th scope="col">{m.purpose}</th>
                    <th scope="col">{m.why}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => (
                    <tr key={i}>
                      <td>{when(r.at, m.dash)}</td>
                      <td>{r.who}</td>
                      <td>
                        <code>{r.action}</code>
                      </td>
                      <td>{r.outcome}</td>
                      <td>{text(r.purpose, m.dash)}</td>
                      <td>{text(r.why, m.dash)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
        </Paged>
      </Section>
    </div>
  );
}
