// Words the marketing pages share: methods, run states, operators.
import { defineMessages } from '../../i18n.ts';

export const useWords = defineMessages({
  en: {
    kmeans: 'k-means clustering',
    rules: 'Rules',
    tree: 'Decision tree',
    rfm: 'RFM (recency, frequency, monetary value)',
    queued: 'Queued',
    running: 'Running',
    succeeded: 'Done',
    failed: 'Failed',
    eq: 'equals',
    in: 'is one of',
    gte: 'at least',
    lte: 'at most',
    between: 'between',
  },
  fr: {
    kmeans: 'Partitionnement k-moyennes',
    rules: 'Règles',
    tree: 'Arbre de décision',
    rfm: 'RFM (récence, fréquence, montant)',
    queued: 'En attente',
    running: 'En cours',
    succeeded: 'Terminée',
    failed: 'Échec',
    eq: 'égal à',
    in: "est l'un de",
    gte: 'au moins',
    lte: 'au plus',
    between: 'entre',
  },
});

export const statusBadge = (s: string) => (s === 'succeeded' ? 'ok' : s === 'failed' ? 'bad' : 'neutral');
