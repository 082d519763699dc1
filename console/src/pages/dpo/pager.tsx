// The API's cursors only go forward: the trail of cursors that led to this page makes "previous" possible.
import { useState } from 'preact/hooks';
import { defineMessages } from '../../i18n.ts';

const useM = defineMessages({
  en: { previous: 'Previous page', next: 'Next page', first: 'First page' },
  fr: { previous: 'Page précédente', next: 'Page suivante', first: 'Première page' },
});

export interface CursorTrail {
  /** Cursors of the pages before this one (undefined: the first page). */
  trail: (string | undefined)[];
  next(current: string | undefined, to: string): void;
  previous(): void;
  /** Back to the first page. */
  reset(): void;
  /** Forgets the trail (the filters changed: the page shown is a first page). */
  forget(): void;
}

/** `go` shows the page after `cursor` (undefined: the first). */
export function useCursorTrail(go: (cursor: string | undefined) => void): CursorTrail {
  const [trail, setTrail] = useState<(string | undefined)[]>([]);
  return {
    trail,
    next(current, to) {
      setTrail([...trail, current]);
      go(to);
    },
    previous() {
      const before = trail[trail.length - 1];
      setTrail(trail.slice(0, -1));
      go(before);
    },
    reset() {
      setTrail([]);
      go(undefined);
    },
    forget() {
      if (trail.length > 0) setTrail([]);
    },
  };
}

export function Pager(props: { label: string; current: string | undefined; nextCursor: string | null | undefined; trail: CursorTrail; status?: string }) {
  const m = useM();
  const { trail, current, nextCursor } = props;
  if (current === undefined && !nextCursor) return props.status ? <p class="muted small">{props.status}</p> : null;
  return (
    <nav class="pager" aria-label={props.label}>
      {trail.trail.length > 0 ? (
        <button type="button" class="secondary" onClick={() => trail.previous()}>
          {m.previous}
        </button>
      ) : (
        current !== undefined && (
          <button type="button" class="secondary" onClick={() => trail.reset()}>
            {m.first}
          </button>
        )
      )}
      {props.status && <span class="muted small">{props.status}</span>}
      <button type="button" class="secondary" disabled={!nextCursor} onClick={() => nextCursor && trail.next(current, nextCursor)}>
        {m.next}
      </button>
    </nav>
  );
}
