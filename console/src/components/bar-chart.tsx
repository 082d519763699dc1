// A horizontal bar chart as a labelled list (readable without the bars, by screen readers too).
// Widths are set through the DOM's style property, which the CSP allows (no style attribute).
export interface Bar {
  key: string;
  label: string;
  value: number;
  /** What the bar says in words (the formatted size and share). */
  text: string;
}

export function BarChart(props: { bars: Bar[]; label: string; max?: number }) {
  const max = props.max ?? Math.max(1, ...props.bars.map((b) => b.value));
  return (
    <figure class="bar-chart">
      <figcaption>{props.label}</figcaption>
      <ul>
        {props.bars.map((b) => (
          <li key={b.key} class="bar-row" data-key={b.key} data-value={b.value}>
            <span class="bar-label">{b.label}</span>
            <span class="bar-track" aria-hidden="true">
              <span class="bar" style={{ width: `${(100 * b.value) / max}%` }} />
            </span>
            <span class="bar-text">{b.text}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
