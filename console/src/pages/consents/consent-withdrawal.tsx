// Recording a withdrawal: purpose and date, then a confirmation restating them (nothing is sent
// before its button), then what the gateway says the record did.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, fieldErrors } from '../../api.ts';
import { describedBy, Field } from '../../components/field.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { fmtDateTime } from '../../i18n.ts';
import { useConsentMessages, word } from './consents-messages.ts';
import type { ConsentWritten } from './consent-types.ts';

interface Pending {
  purpose: string;
  /** ISO instant, or undefined for now. */
  collectedAt: string | undefined;
}

export function ConsentWithdrawal(props: { pseudonym: string; purposes: string[]; onRecorded: () => void }) {
  const m = useConsentMessages();
  const [purpose, setPurpose] = useState(props.purposes[0] ?? '');
  const [when, setWhen] = useState('');
  const [pending, setPending] = useState<Pending>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<ConsentWritten>();
  const confirmHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (pending) confirmHeading.current?.focus();
  }, [pending]);

  const errors = Object.fromEntries(Object.entries(fieldErrors(error)).map(([k, v]) => [k.replace(/^json\./, ''), v]));

  const record = async (p: Pending) => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { purpose: p.purpose, status: 'withdrawn', ...(p.collectedAt && { collected_at: p.collectedAt }) };
      setDone(await api<ConsentWritten>('POST', `/v1/subjects/${encodeURIComponent(props.pseudonym)}/consents`, body));
      setPending(undefined);
      props.onRecorded();
    } catch (e) {
      setError(e);
      setPending(undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="consent-withdraw">
      <h2 id="consent-withdraw">{m.withdrawTitle}</h2>
      <p>{m.withdrawIntro}</p>
      {pending ? (
        <div class="confirm-panel">
          <h3 tabIndex={-1} ref={confirmHeading}>
            {m.confirmTitle}
          </h3>
          <p>{m.confirmText({ pseudonym: props.pseudonym, purpose: pending.purpose })}</p>
          <p>{pending.collectedAt ? m.confirmWhen({ when: fmtDateTime(pending.collectedAt) }) : m.confirmNow}</p>
          <p class="muted">{m.confirmNote}</p>
          <div class="form-actions">
            <button type="button" class="danger" disabled={busy} onClick={() => void record(pending)}>
              {m.confirm}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setPending(undefined)}>
              {m.cancel}
            </button>
          </div>
        </div>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setDone(undefined);
            setError(undefined);
            // datetime-local is the reader's local time: sent as the instant it names
            setPending({ purpose, collectedAt: when ? new Date(when).toISOString() : undefined });
          }}
        >
          <Field id="withdraw-purpose" label={m.withdrawPurpose} error={errors['purpose']}>
            <select
              id="withdraw-purpose"
              value={purpose}
              onChange={(e) => setPurpose(e.currentTarget.value)}
              {...describedBy('withdraw-purpose', errors['purpose'])}
            >
              {props.purposes.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </Field>
          <Field id="withdraw-when" label={m.withdrawWhen} error={errors['collected_at']} hint={m.withdrawWhenHint}>
            <input
              id="withdraw-when"
              type="datetime-local"
              value={when}
              onInput={(e) => setWhen(e.currentTarget.value)}
              {...describedBy('withdraw-when', errors['collected_at'], m.withdrawWhenHint)}
            />
          </Field>
          <button type="submit" disabled={!purpose}>
            {m.withdraw}
          </button>
        </form>
      )}
      {done && (
        <div class="success" role="status">
          <p>{m.recorded({ id: String(done.id) })}</p>
          <p>{word(done.reason)}</p>
          <p>{done.coverage.covered ? m.coveredAfter : m.notCoveredAfter}</p>
        </div>
      )}
      <ProblemMessage error={error} />
    </section>
  );
}
