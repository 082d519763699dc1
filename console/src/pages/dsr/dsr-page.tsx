// Data-subject requests: find a person by email, phone or customer id (sent in a POST body,
// never in an address), then show what is held on them or, after a confirmation, erase them.
// One of the two pages that show identities: they live in this component's state only, so
// leaving the page (or signing out) drops them; nothing goes to storage, the URL or the log.
import { useState } from 'preact/hooks';
import { api, ApiError, fieldErrors } from '../../api.ts';
import { describedBy, Field } from '../../components/field.tsx';
import { Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { navigate } from '../../router.ts';
import { AccessPackageView } from './access-package.tsx';
import { formErrors, useDsrMessages } from './dsr-messages.ts';
import type { AccessPackage, DsrBody, ErasureReceipt, IdentifierType } from './dsr-types.ts';
import { ErasureConfirm, ErasureReceiptView } from './erasure.tsx';

type View = { step: 'form' } | { step: 'confirm'; body: DsrBody } | { step: 'package'; pkg: AccessPackage } | { step: 'receipt'; receipt: ErasureReceipt };

const TYPES: IdentifierType[] = ['email', 'phone', 'customer_id'];

function OpenRequest() {
  const m = useDsrMessages();
  const [id, setId] = useState('');
  return (
    <section class="panel" aria-labelledby="dsr-open">
      <h2 id="dsr-open">{m.openTitle}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (id.trim()) navigate(`/dsr/${encodeURIComponent(id.trim())}`);
        }}
      >
        <Field id="dsr-open-id" label={m.requestId} hint={m.openHint}>
          <input
            id="dsr-open-id"
            value={id}
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => setId(e.currentTarget.value)}
            {...describedBy('dsr-open-id', undefined, m.openHint)}
          />
        </Field>
        <button type="submit">{m.open}</button>
      </form>
    </section>
  );
}

export default function DsrPage() {
  const m = useDsrMessages();
  const [type, setType] = useState<IdentifierType>('email');
  const [value, setValue] = useState('');
  const [source, setSource] = useState('');
  const [reference, setReference] = useState('');
  const [view, setView] = useState<View>({ step: 'form' });
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const errors = { ...formErrors(fieldErrors(error)), ...local };

  /** The request body, or undefined (with the form's errors set) when something is missing. */
  const bodyOf = (): DsrBody | undefined => {
    const missing: Record<string, string> = {};
    if (!value.trim()) missing['identifier.value'] = m.required;
    if (type === 'customer_id' && !source.trim()) missing['identifier.source'] = m.sourceRequired;
    if (!reference.trim()) missing['reference'] = m.required;
    setLocal(missing);
    setError(undefined);
    if (Object.keys(missing).length > 0) return undefined;
    return {
      identifier: { type, value: value.trim(), ...(type === 'customer_id' && { source: source.trim() }) },
      reference: reference.trim(),
    };
  };

  const run = async (act: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await act();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const access = () => {
    const body = bodyOf();
    if (body) void run(async () => setView({ step: 'package', pkg: await api<AccessPackage>('POST', '/v1/dsr/access', body) }));
  };

  const erase = (body: DsrBody) =>
    void run(async () => {
      try {
        const receipt = await api<ErasureReceipt>('POST', '/v1/dsr/erasure', body);
        // the person is gone: so is the identifier that named them
        setValue('');
        setView({ step: 'receipt', receipt });
      } catch (e) {
        // an invalid field is shown at the field, on the form
        if (e instanceof ApiError && e.status === 422) setView({ step: 'form' });
        throw e;
      }
    });

  const reset = () => {
    setValue('');
    setSource('');
    setReference('');
    setLocal({});
    setError(undefined);
    setView({ step: 'form' });
  };

  const valueHint = type === 'customer_id' ? undefined : m.valueHint;

  return (
    <Page
      title={m.title}
      actions={
        view.step === 'package' || view.step === 'receipt' ? (
          <button type="button" class="secondary" onClick={reset}>
            {m.newRequest}
          </button>
        ) : undefined
      }
    >
      <p>{m.intro}</p>
      {view.step === 'form' && (
        <>
          <section class="panel" aria-labelledby="dsr-find">
            <h2 id="dsr-find">{m.find}</h2>
            <form
              autocomplete="off"
              onSubmit={(e) => {
                // never the browser's own submission: it would put the identifier in the address
                e.preventDefault();
                access();
              }}
            >
              <fieldset>
                <legend>{m.idType}</legend>
                {TYPES.map((t) => (
                  <label key={t} class="choice">
                    <input type="radio" name="dsr-type" value={t} checked={type === t} onChange={() => setType(t)} /> {m[t]}
                  </label>
                ))}
              </fieldset>
              <Field id="dsr-value" label={m.value} error={errors['identifier.value']} hint={valueHint}>
                <input
                  id="dsr-value"
                  value={value}
                  type={type === 'email' ? 'email' : type === 'phone' ? 'tel' : 'text'}
                  autocomplete="off"
                  spellcheck={false}
                  onInput={(e) => setValue(e.currentTarget.value)}
                  {...describedBy('dsr-value', errors['identifier.value'], valueHint)}
                />
              </Field>
              {type === 'customer_id' && (
                <Field id="dsr-source" label={m.source} error={errors['identifier.source']} hint={m.sourceHint}>
                  <input
                    id="dsr-source"
                    value={source}
                    autocomplete="off"
                    spellcheck={false}
                    onInput={(e) => setSource(e.currentTarget.value)}
                    {...describedBy('dsr-source', errors['identifier.source'], m.sourceHint)}
                  />
                </Field>
              )}
              <Field id="dsr-reference" label={m.reference} error={errors['reference']} hint={m.referenceHint}>
                <input
                  id="dsr-reference"
                  value={reference}
                  autocomplete="off"
                  spellcheck={false}
                  onInput={(e) => setReference(e.currentTarget.value)}
                  {...describedBy('dsr-reference', errors['reference'], m.referenceHint)}
                />
              </Field>
              <div class="form-actions">
                <button type="submit" disabled={busy}>
                  {m.access}
                </button>
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  onClick={() => {
                    const body = bodyOf();
                    if (body) setView({ step: 'confirm', body });
                  }}
                >
                  {m.erase}
                </button>
              </div>
              {busy && (
                <p class="muted" role="status">
                  {m.working}
                </p>
              )}
            </form>
          </section>
          <ProblemMessage error={error} />
          <OpenRequest />
        </>
      )}
      {view.step === 'confirm' && (
        <>
          <ErasureConfirm
            body={view.body}
            busy={busy}
            onConfirm={() => erase(view.body)}
            onCancel={() => {
              setError(undefined);
              setView({ step: 'form' });
            }}
          />
          {busy && (
            <p class="muted" role="status">
              {m.working}
            </p>
          )}
          <ProblemMessage error={error} />
        </>
      )}
      {view.step === 'package' && <AccessPackageView pkg={view.pkg} />}
      {view.step === 'receipt' && <ErasureReceiptView receipt={view.receipt} />}
    </Page>
  );
}
