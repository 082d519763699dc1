// A list the API answers whole (a person's transactions, a consent history) shown a page at a
// time, so a long one never puts thousands of rows in the document at once.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { defineMessages, fmtNumber } from '../i18n.ts';

const useM = defineMessages({
  en: {
    previous: 'Previous page',
    next: 'Next page',
    rows: (p: { from: string; to: string; total: string }) => `Rows ${p.from}–${p.to} of ${p.total}`,
  },
  fr: {
    previous: 'Page précédente',
    next: 'Page suivante',
    rows: (p: { from: string; to: string; total: string }) => `Lignes ${p.from} à ${p.to} sur ${p.total}`,
  },
});

export function Paged<T>(props: { items: readonly T[]; size?: number; label: string; children: (slice: readonly T[]) => ComponentChildren }) {
  const m = useM();
  const size = props.size ?? 25;
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(props.items.length / size));
  // a list that shrank (reloaded) keeps the reader on its last page rather than an empty one
  const at = Math.min(page, pages - 1);
  const slice = props.items.slice(at * size, at * size + size);
  return (
    <>
      {props.children(slice)}
      {pages > 1 && (
        <nav class="pager" aria-label={props.label}>
          <button type="button" class="secondary" disabled={at === 0} onClick={() => setPage(at - 1)}>
            {m.previous}
          </button>
          <span role="status">{m.rows({ from: fmtNumber(at * size + 1), to: fmtNumber(at * size + slice.length), total: fmtNumber(props.items.length) })}</span>
          <button type="button" class="secondary" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>
            {m.next}
          </button>
        </nav>
      )}
    </>
  );
}
