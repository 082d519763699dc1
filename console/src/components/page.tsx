// Every page: its heading (also the tab's title), focus moved to it on arrival for screen
// readers and keyboards.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Page(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Veilgate`;
    h.current?.focus();
  }, [props.title]);
  return (
    <section class="page">
      <div class="page-head">
        <h1 tabIndex={-1} ref={h}>
          {props.title}
        </h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <p class="muted loading" role="status" aria-live="polite">
      {props.label ?? '…'}
    </p>
  );
}
