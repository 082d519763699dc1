// Every page of the console: its path, the operation that opens its menu entry, its menu group
// and its title. A page's code is loaded when first opened, so the first load stays small.
// A page whose operation the roles lack has no menu entry; opened by URL, the API's 403 shows.
import type { ComponentType } from 'preact';

export type Group = 'marketing' | 'dpo' | 'operations';

export interface PageDef {
  path: string;
  /** The gateway operation the page needs (GET /v1/me lists the caller's). */
  op: string;
  group: Group;
  /** Shown in the menu; pages with a parameter in their path have none. */
  menu?: { en: string; fr: string };
  load: () => Promise<{ default: ComponentType<{ params: Record<string, string> }> }>;
}

export const PAGES: PageDef[] = [
  // marketing
  {
    path: '/segmentations/new',
    op: 'segmentations.create',
    group: 'marketing',
    menu: { en: 'New segmentation', fr: 'Nouvelle segmentation' },
    load: () => import('./marketing/new-segmentation.tsx'),
  },
  { path: '/runs', op: 'segmentations.read', group: 'marketing', menu: { en: 'Runs', fr: 'Exécutions' }, load: () => import('./marketing/runs-list.tsx') },
  { path: '/runs/:id', op: 'segmentations.read', group: 'marketing', load: () => import('./marketing/run-page.tsx') },
  // dpo
  { path: '/audit', op: 'audit.read', group: 'dpo', menu: { en: 'Audit log', fr: "Journal d'audit" }, load: () => import('./dpo/audit-page.tsx') },
  {
    path: '/reidentifications',
    op: 'reidentifications.read',
    group: 'dpo',
    menu: { en: 'Re-identifications', fr: 'Réidentifications' },
    load: () => import('./dpo/reidentifications-page.tsx'),
  },
  { path: '/reidentifications/:id', op: 'reidentifications.read', group: 'dpo', load: () => import('./dpo/reidentification-page.tsx') },
];
