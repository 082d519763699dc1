// The erasure's two steps after the form: a confirmation restating who and what will be erased
// (nothing is sent before its button), then the receipt the gateway answers with.
import { useEffect, useRef } from 'preact/hooks';
import { Link } from '../../components/link.tsx';
import { fmtDateTime, fmtNumber } from '../../i18n.ts';
import { TableRegion } from '../../components/table-region.tsx';
import { receiptLabel, useDsrMessages } from './dsr-messages.ts';
import type { DsrBody, ErasureReceipt, Receipt } from './dsr-types.ts';

/** A heading that takes the focus when it appears, so a screen reader hears the new step. */
function StepHeading(props: { id: string; text: string }) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => h.current?.focus(), []);
  return (
    <h2 id={props.id} tabIndex={-1} ref={h}>
      {props.text}
    </h2>
  );
}

export function ErasureConfirm(props: { body: DsrBody; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const m = useDsrMessages();
  const id = props.body.identifier;
  return (
    <section class="panel confirm-panel" aria-labelledby="erase-confirm">
      <StepHeading id="erase-confirm" text={m.confirmTitle} />
      <dl class="facts">
        <dt>{m.confirmWho}</dt>
        <dd>
          {m[id.type]}: <strong class="identity-value">{id.value}</strong>
          {id.type === 'customer_id' && (
            <>
              {' '}
              ({m.source}: {id.source})
            </>
          )}
        </dd>
        <dt>{m.confirmRef}</dt>
        <dd>{props.body.reference}</dd>
      </dl>
      <p>{m.confirmLead}</p>
      <ul>
        <li>{m.erasesVault}</li>
        <li>{m.erasesFeatures}</li>
        <li>{m.erasesConsents}</li>
        <li>{m.erasesMemberships}</li>
        <li>{m.erasesLinks}</li>
      </ul>
      <p>{m.confirmKept}</p>
      <p>
        <strong>{m.confirmIrreversible}</strong>
      </p>
      <div class="form-actions">
        <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
          {m.confirmErase}
        </button>
        <button type="button" class="secondary" disabled={props.busy} onClick={props.onCancel}>
          {m.cancel}
        </button>
      </div>
    </section>
  );
}

/** A receipt's counts (or a clean-up report) as a two-column table. */
export function ReceiptTable(props: { receipt: Receipt | Record<string, string | number>; caption: string }) {
  const m = useDsrMessages();
  return (
    <TableRegion label={props.caption}>
      <table class="receipt">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{m.item}</th>
            <th scope="col" class="num">
              {m.fieldValue}
            </th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(props.receipt).map(([k, v]) => (
            <tr key={k} data-key={k}>
              <th scope="row">{receiptLabel(k)}</th>
              <td class="num">{typeof v === 'number' ? fmtNumber(v) : k.endsWith('_at') ? fmtDateTime(v) : receiptLabel(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

export function ErasureReceiptView(props: { receipt: ErasureReceipt }) {
  const m = useDsrMessages();
  const r = props.receipt;
  return (
    <section class="panel" aria-labelledby="erase-receipt">
      <StepHeading id="erase-receipt" text={m.receiptTitle} />
      <p class="success" role="status">
        {m.erased}
      </p>
      <dl class="facts">
        <dt>{m.id}</dt>
        <dd>
          <code>{r.id}</code>
        </dd>
        <dt>{m.reference}</dt>
        <dd>{r.reference}</dd>
        <dt>{m.pseudonym}</dt>
        <dd>
          <code>{r.pseudonym}</code>
        </dd>
        <dt>{m.erasedAt}</dt>
        <dd>{fmtDateTime(r.erased_at)}</dd>
        <dt>{m.suppression}</dt>
        <dd>{m.suppressionText({ n: fmtNumber(r.suppression.linkage_keys) })}</dd>
        <dt>{m.kept}</dt>
        <dd>{m.keptText}</dd>
      </dl>
      <ReceiptTable receipt={r.removed} caption={m.removedCaption} />
      {r.maintenance && <ReceiptTable receipt={r.maintenance} caption={m.maintenance} />}
      <p>
        <Link to={`/dsr/${encodeURIComponent(r.id)}`}>{m.viewRequest}</Link>
      </p>
    </section>
  );
}
