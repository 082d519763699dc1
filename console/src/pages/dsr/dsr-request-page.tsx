// One data-subject request: its state, an erasure's receipt and clean-up, and for an access
// package with withheld fields the four-eyes decision (another DPO than the requester). Its
// requester collects the approved fields here: the gateway delivers them once, on this GET.
import { useState } from 'preact/hooks';
import { api, useApi } from '../../api.ts';
import { Loading, Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { fmtDateTime } from '../../i18n.ts';
import { useSession } from '../../session.ts';
import { IdentityTable } from './access-package.tsx';
import { fieldLabel, statusBadge, statusLabel, useDsrMessages } from './dsr-messages.ts';
import type { DsrView } from './dsr-types.ts';
import { ReceiptTable } from './erasure.tsx';

function Decision(props: { request: DsrView; onDecided: (r: DsrView, decision: 'approve' | 'deny') => void }) {
  const m = useDsrMessages();
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const r = props.request;
  // the gateway names the requester issuer-id:subject, as it names every actor
  const own = me !== undefined && `${me.issuer_id}:${me.subject}` === r.requested_by;
  const decide = async (decision: 'approve' | 'deny') => {
    setBusy(true);
    setError(undefined);
    try {
      props.onDecided(await api<DsrView>('POST', `/v1/dsr/${encodeURIComponent(r.id)}/${decision}`), decision);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const fields = r.withheld_fields.map(fieldLabel).join(', ');
  return (
    <section class="panel" aria-labelledby="dsr-decision">
      <h2 id="dsr-decision">{m.decision}</h2>
      {own ? (
        <p class="notice" id="dsr-own">
          {m.ownRequest}
        </p>
      ) : (
        <p>{m.decideLead({ fields })}</p>
      )}
      <div class="form-actions">
        <button type="button" disabled={own || busy} aria-describedby={own ? 'dsr-own' : undefined} onClick={() => void decide('approve')}>
          {m.approve}
        </button>
        <button type="button" class="danger" disabled={own || busy} aria-describedby={own ? 'dsr-own' : undefined} onClick={() => void decide('deny')}>
          {m.deny}
        </button>
      </div>
      <ProblemMessage error={error} />
    </section>
  );
}

export default function DsrRequestPage(props: { params: Record<string, string> }) {
  const m = useDsrMessages();
  const id = props.params['id'] ?? '';
  const res = useApi<DsrView>(`/v1/dsr/${encodeURIComponent(id)}`);
  const [decided, setDecided] = useState<{ view: DsrView; decision: 'approve' | 'deny' }>();
  // a decision belongs to the request it was made on, not to the next one opened in this page
  const mine = decided?.view.id === id ? decided : undefined;
  const r = mine?.view ?? res.data;
  return (
    <Page title={m.requestTitle({ id })}>
      {res.loading && <Loading label={m.working} />}
      <ProblemMessage error={res.error} />
      {r && (
        <>
          <section class="panel" aria-labelledby="dsr-request">
            <h2 id="dsr-request">{r.kind === 'erasure' ? m.kindErasure : m.kindAccess}</h2>
            <dl class="facts">
              <dt>{m.id}</dt>
              <dd>
                <code>{r.id}</code>
              </dd>
              <dt>{m.reference}</dt>
              <dd>{r.reference}</dd>
              <dt>{m.status}</dt>
              <dd>
                <span class={`badge ${statusBadge(r.status)}`} data-status={r.status}>
                  {statusLabel(r.status)}
                </span>
              </dd>
              <dt>{m.identifierType}</dt>
              <dd>
                {r.identifier_type === 'email' || r.identifier_type === 'phone' || r.identifier_type === 'customer_id'
                  ? m[r.identifier_type]
                  : r.identifier_type}
              </dd>
              <dt>{m.pseudonym}</dt>
              <dd>{r.pseudonym ? <code>{r.pseudonym}</code> : m.dash}</dd>
              <dt>{m.requestedBy}</dt>
              <dd>{r.requested_by}</dd>
              <dt>{m.createdAt}</dt>
              <dd>{fmtDateTime(r.created_at)}</dd>
              {r.withheld_fields.length > 0 && (
                <>
                  <dt>{m.withheldTitle}</dt>
                  <dd>{r.withheld_fields.map(fieldLabel).join(', ')}</dd>
                </>
              )}
              {r.decided_by && (
                <>
                  <dt>{m.decidedBy}</dt>
                  <dd>{r.decided_by}</dd>
                  <dt>{m.decidedAt}</dt>
                  <dd>{r.decided_at ? fmtDateTime(r.decided_at) : m.dash}</dd>
                </>
              )}
              {r.delivered_at && (
                <>
                  <dt>{m.deliveredAt}</dt>
                  <dd>{fmtDateTime(r.delivered_at)}</dd>
                </>
              )}
            </dl>
          </section>
          {mine && (
            <p class="success" role="status">
              {mine.decision === 'approve' ? m.approved : m.denied}
            </p>
          )}
          {r.status === 'pending_approval' && <Decision request={r} onDecided={(view, decision) => setDecided({ view, decision })} />}
          {!mine && r.status === 'approved' && (
            <p class="notice" role="status">
              {m.waiting}
            </p>
          )}
          {r.identity ? (
            <section class="panel" aria-labelledby="dsr-delivered">
              <h2 id="dsr-delivered">{m.deliveredTitle}</h2>
              <p class="notice" role="status">
                {m.deliveredNote}
              </p>
              <IdentityTable identity={r.identity} />
            </section>
          ) : (
            r.status === 'delivered' && <p class="muted">{m.deliveredEarlier}</p>
          )}
          {r.receipt && (
            <section class="panel" aria-labelledby="dsr-receipt">
              <h2 id="dsr-receipt">{m.receiptTitle}</h2>
              <ReceiptTable receipt={r.receipt} caption={m.removedCaption} />
              {r.maintenance && <ReceiptTable receipt={r.maintenance} caption={m.maintenance} />}
            </section>
          )}
        </>
      )}
    </Page>
  );
}
