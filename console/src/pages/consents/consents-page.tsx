// The consent registry by pseudonym: current coverage per purpose, the append-only history, and
// a withdrawal recorded by the DPO. Only a well-formed pseudonym is sent or put in the address:
// an email typed here by mistake goes nowhere.
import { useState } from 'preact/hooks';
import { useApi } from '../../api.ts';
import { describedBy, Field } from '../../components/field.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { DataTable, PagedTable } from '../../components/data-table.tsx';
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
        <DataTable
          rows={Object.entries(props.current)}
          rowKey={([purpose]) => purpose}
          rowProps={([purpose]) => ({ 'data-purpose': purpose })}
          columns={[
            { header: m.purpose, rowHeader: true, cell: ([purpose]) => <code>{purpose}</code> },
            { header: m.basis, cell: ([, c]) => word(c.basis) },
            { header: m.covered, cell: ([, c]) => <span class={`badge ${c.covered ? 'ok' : 'bad'}`}>{c.covered ? m.yes : m.no}</span> },
            { header: m.reason, cell: ([, c]) => word(c.reason) },
            { header: m.lastStatus, cell: ([, c]) => word(c.status, m.dash) },
            { header: m.expiresAt, cell: ([, c]) => (c.expires_at ? fmtDateTime(c.expires_at) : m.dash) },
          ]}
        />
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
        <PagedTable
          items={newestFirst}
          label={m.history}
          pager={m.pager}
          class="consent-history"
          caption={m.historyCaption}
          rowKey={(h) => h.id}
          rowProps={(h) => ({ 'data-purpose': h.purpose, 'data-status': h.status })}
          columns={[
            { header: m.purpose, cell: (h) => <code>{h.purpose}</code> },
            { header: m.status, cell: (h) => word(h.status) },
            { header: m.legalBasis, cell: (h) => word(h.legal_basis) },
            { header: m.source, cell: (h) => h.source },
            { header: m.collectedAt, cell: (h) => fmtDateTime(h.collected_at) },
            { header: m.expiresAt, cell: (h) => (h.expires_at ? fmtDateTime(h.expires_at) : m.dash) },
            { header: m.notice, cell: (h) => h.notice_version ?? m.dash },
            { header: m.recordedAt, cell: (h) => fmtDateTime(h.recorded_at) },
            { header: m.recordedBy, cell: (h) => h.recorded_by },
          ]}
        />
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
