// The consent registry by pseudonym: current coverage per purpose, the append-only history, and
// a withdrawal recorded by the DPO. Only a well-formed pseudonym is sent or put in the address:
// an email typed here by mistake goes nowhere.
import { useState } from 'preact/hooks';
import { useApi } from '../../api.ts';
import { describedBy, Field } from '../../components/field.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { Paged } from '../../components/paged.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { fmtDateTime } from '../../i18n.ts';
import { TableRegion } from '../../components/table-region.tsx';
import { navigate, useLocation } from '../../router.ts';
import { ConsentWithdrawal } from './consent-withdrawal.tsx';
import { PSEUDONYM, useConsentMessages, word } from './consents-messages.ts';
import type { ConsentsAnswer } from './consent-types.ts';

function Coverage(props: { current: ConsentsAnswer['current'] }) {
  const m = useConsentMessages();
  return (
    <section class="panel" aria-labelledby="consent-current">
      <h2 id="consent-current">{m.current}</h2>
      <TableRegion label={m.current}>
        <table>
          <thead>
            <tr>
              <th scope="col">{m.purpose}</th>
              <th scope="col">{m.basis}</th>
              <th scope="col">{m.covered}</th>
              <th scope="col">{m.reason}</th>
              <th scope="col">{m.lastStatus}</th>
              <th scope="col">{m.expiresAt}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(props.current).map(([purpose, c]) => (
              <tr key={purpose} data-purpose={purpose}>
                <th scope="row">
                  <code>{purpose}</code>
                </th>
                <td>{word(c.basis)}</td>
                <td>
                  <span class={`badge ${c.covered ? 'ok' : 'bad'}`}>{c.covered ? m.yes : m.no}</span>
                </td>
                <td>{word(c.reason)}</td>
                <td>{word(c.status, m.dash)}</td>
                <td>{c.expires_at ? fmtDateTime(c.expires_at) : m.dash}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
    </section>
  );
}

function History(props: { history: ConsentsAnswer['history'] }) {
  const m = useConsentMessages();
  const newestFirst = [...props.history].reverse();
  return (
    <section class="panel" aria-labelledby="consent-history">
      <h2 id="consent-history">{m.history}</h2>
      {newestFirst.length === 0 ? (
        <p class="muted">{m.none}</p>
      ) : (
        <Paged items={newestFirst} label={m.pager}>
          {(rows) => (
            <TableRegion label={m.history}>
              <table class="consent-history">
                <caption>{m.historyCaption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{m.purpose}</th>
                    <th scope="col">{m.status}</th>
                    <th scope="col">{m.legalBasis}</th>
                    <th scope="col">{m.source}</th>
                    <th scope="col">{m.collectedAt}</th>
                    <th scope="col">{m.expiresAt}</th>
                    <th scope="col">{m.notice}</th>
                    <th scope="col">{m.recordedAt}</th>
                    <th scope="col">{m.recordedBy}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((h) => (
                    <tr key={h.id} data-purpose={h.purpose} data-status={h.status}>
                      <td>
                        <code>{h.purpose}</code>
                      </td>
                      <td>{word(h.status)}</td>
                      <td>{word(h.legal_basis)}</td>
                      <td>{h.source}</td>
                      <td>{fmtDateTime(h.collected_at)}</td>
                      <td>{h.expires_at ? fmtDateTime(h.expires_at) : m.dash}</td>
                      <td>{h.notice_version ?? m.dash}</td>
                      <td>{fmtDateTime(h.recorded_at)}</td>
                      <td>{h.recorded_by}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
        </Paged>
      )}
    </section>
  );
}

export default function ConsentsPage() {
  const m = useConsentMessages();
  const { query } = useLocation();
  const asked = query.get('pseudonym') ?? '';
  const shown = PSEUDONYM.test(asked) ? asked : '';
  const [input, setInput] = useState(shown);
  const [invalid, setInvalid] = useState(false);
  const res = useApi<ConsentsAnswer>(shown ? `/v1/subjects/${encodeURIComponent(shown)}/consents` : null);
  const hint = m.pseudonymHint;
  return (
    <Page title={m.title}>
      <p>{m.intro}</p>
      <section class="panel" aria-labelledby="consent-lookup">
        <h2 id="consent-lookup">{m.lookup}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const p = input.trim();
            setInvalid(!PSEUDONYM.test(p));
            if (!PSEUDONYM.test(p)) return;
            if (p === shown) res.reload();
            else navigate(`/consents?pseudonym=${encodeURIComponent(p)}`, { replace: true });
          }}
        >
          <Field id="consent-pseudonym" label={m.pseudonym} hint={hint} error={invalid ? m.notPseudonym : undefined}>
            <input
              id="consent-pseudonym"
              value={input}
              autocomplete="off"
              spellcheck={false}
              onInput={(e) => setInput(e.currentTarget.value)}
              {...describedBy('consent-pseudonym', invalid ? m.notPseudonym : undefined, hint)}
            />
          </Field>
          <button type="submit">{m.show}</button>
        </form>
      </section>
      {res.loading && <Loading label={m.loading} />}
      <ProblemMessage error={res.error} />
      {res.data && res.data.pseudonym === shown && (
        <>
          <Coverage current={res.data.current} />
          <History history={res.data.history} />
          <ConsentWithdrawal key={shown} pseudonym={shown} purposes={Object.keys(res.data.current)} onRecorded={res.reload} />
        </>
      )}
    </Page>
  );
}
