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
  {
    path: '/dsr',
    op: 'dsr.access',
    group: 'dpo',
    menu: { en: 'Data-subject requests', fr: 'Demandes des personnes' },
    load: () => import('./dsr/dsr-page.tsx'),
  },
  { path: '/dsr/:id', op: 'dsr.read', group: 'dpo', load: () => import('./dsr/dsr-request-page.tsx') },
  {
    path: '/consents',
    op: 'subjects.consents.read',
    group: 'dpo',
    menu: { en: 'Consents', fr: 'Consentements' },
    load: () => import('./consents/consents-page.tsx'),
  },
  // operations: data quality and the effective policy
  {
    path: '/quality',
    op: 'quality.read',
    group: 'operations',
    menu: { en: 'Data quality', fr: 'Qualité des données' },
    load: () => import('./quality/quality-page.tsx'),
  },
  { path: '/policy', op: 'policies.read', group: 'operations', menu: { en: 'Policy', fr: 'Politique' }, load: () => import('./policy/policy-page.tsx') },
];
