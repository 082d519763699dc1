// A table's horizontal scroller. When the table is wider than the page, the scroller becomes a
// labelled region that takes the focus, so a keyboard can scroll it (WCAG 2.1.1); when it fits,
// it adds no tab stop.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export function TableRegion(props: { label: string; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setScrolls(el.scrollWidth > el.clientWidth);
    check();
    const watch = new ResizeObserver(check);
    watch.observe(el);
    if (el.firstElementChild) watch.observe(el.firstElementChild);
    return () => watch.disconnect();
  }, []);
  return (
    <div ref={ref} class="table-wrap" {...(scrolls && { tabIndex: 0, role: 'region', 'aria-label': props.label })}>
      {props.children}
    </div>
  );
}
