// A labelled form control with its error (from the API's 422 or the form), tied by aria.
import type { ComponentChildren } from 'preact';

let seq = 0;
export const newId = (prefix = 'f') => `${prefix}-${++seq}`;

export function Field(props: { id: string; label: string; error?: string | undefined; hint?: string; children: ComponentChildren }) {
  return (
    <div class={'field' + (props.error ? ' has-error' : '')}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** aria attributes a control inside a Field needs. */
export const describedBy = (id: string, error?: string, hint?: string) => ({
  'aria-invalid': error ? ('true' as const) : undefined,
  'aria-describedby': [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined,
});

/** A whole number in a Field, typed as text (the API says what is out of range); a phone shows digits. */
export function NumberField(props: {
  id: string;
  label: string;
  hint?: string;
  error: string | undefined;
  size: number;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint} error={props.error}>
      <input
        id={props.id}
        inputMode="numeric"
        size={props.size}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        {...describedBy(props.id, props.error, props.hint)}
      />
    </Field>
  );
}
