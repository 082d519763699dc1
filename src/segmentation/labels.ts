// Readable segment labels from what distinguishes a segment ("recent high spenders, web").
import type { TopFeature } from './profile.ts';

const NUMERIC: Record<string, [high: string, low: string]> = {
  recency_days: ['lapsed', 'recent'],
  frequency: ['frequent', 'occasional'],
  monetary: ['high spenders', 'low spenders'],
  avg_basket: ['big baskets', 'small baskets'],
  age: ['older', 'younger'],
  income: ['high income', 'modest income'],
  tenure_days: ['long-standing', 'new'],
  share_web: ['web', 'little web'],
  share_store: ['store', 'little store'],
  share_phone: ['phone', 'little phone'],
  share_app: ['app', 'little app'],
};

const CATEGORICAL: Record<string, (level: string) => string> = {
  channel_preference: (l) => l,
  area: (l) => `area ${l}`,
  csp: (l) => l.replace(/_/g, ' '),
  gender: (l) => ({ f: 'women', m: 'men', x: 'non-binary' })[l] ?? l,
  age_band: (l) => `aged ${l}`,
};

/** Adjectives first, then the channel/category words: "recent high spenders, web". */
export function labelOf(top: readonly TopFeature[], fallback: string): string {
  const words: string[] = [];
  const tags: string[] = [];
  for (const t of top.slice(0, 3)) {
    if (t.effect < 0.2) continue;
    const num = NUMERIC[t.feature];
    if (num) {
      const w = t.direction === 'high' ? num[0] : num[1];
      if (t.feature.startsWith('share_')) tags.push(w);
      else words.push(w);
    } else tags.push((CATEGORICAL[t.feature] ?? ((l: string) => `${t.feature} ${l}`))(t.direction));
  }
  const head = words.join(' ');
  const label = [head, ...tags].filter(Boolean).join(', ');
  return label || fallback;
}
