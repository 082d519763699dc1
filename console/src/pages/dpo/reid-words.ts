// Words the re-identification pages share: statuses and vault field names, in both languages.
import { defineMessages } from '../../i18n.ts';

export const useReidWords = defineMessages({
  en: {
    pending_approval: 'Waiting for approval',
    approved: 'Approved',
    denied: 'Denied',
    delivered: 'Delivered',
    found: 'Found',
    not_found: 'Not found',
    erased: 'Erased',
    no_consent: 'No consent for this purpose',
    unreadable: 'Unreadable',
    customer_id: 'Customer id',
    email: 'E-mail',
    first_name: 'First name',
    last_name: 'Last name',
    phone: 'Phone',
    street: 'Street',
    city: 'City',
    postcode: 'Postcode',
    country: 'Country',
    birth_date: 'Date of birth',
    signup_date: 'Sign-up date',
    iban: 'IBAN',
    nir: 'NIR (social security number)',
    siret: 'SIRET',
  },
  fr: {
    pending_approval: "En attente d'approbation",
    approved: 'Approuvée',
    denied: 'Refusée',
    delivered: 'Remise',
    found: 'Trouvée',
    not_found: 'Introuvable',
    erased: 'Effacée',
    no_consent: 'Pas de consentement pour cette finalité',
    unreadable: 'Illisible',
    customer_id: 'Identifiant client',
    email: 'E-mail',
    first_name: 'Prénom',
    last_name: 'Nom',
    phone: 'Téléphone',
    street: 'Rue',
    city: 'Ville',
    postcode: 'Code postal',
    country: 'Pays',
    birth_date: 'Date de naissance',
    signup_date: "Date d'inscription",
    iban: 'IBAN',
    nir: 'NIR (numéro de sécurité sociale)',
    siret: 'SIRET',
  },
});

export type ReidWords = ReturnType<typeof useReidWords>;

/** A word for a status or field name, the name itself when there is none. */
export const word = (w: ReidWords, key: string): string => (w as unknown as Record<string, string | undefined>)[key] ?? key;

export const statusBadge = (s: string): 'ok' | 'bad' | 'neutral' =>
  s === 'approved' || s === 'delivered' || s === 'found' ? 'ok' : s === 'denied' ? 'bad' : 'neutral';
