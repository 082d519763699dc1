// The planted structure: five latent customer types that drive age, CSP, income, channels, frequency and basket.
import { WeightedTable, type Rng } from './rng.ts';

export type Channel = 'web' | 'store' | 'phone' | 'app';
export type Category = 'alimentation' | 'mode' | 'maison' | 'beauté' | 'high-tech' | 'sport' | 'jardin';
export type Csp = 'agriculteur' | 'artisan_commercant' | 'cadre' | 'profession_intermediaire' | 'employe' | 'ouvrier' | 'retraite' | 'sans_activite';
export type Gender = 'f' | 'm' | 'x';

export const PERSONA_IDS = ['digital_young', 'family_store', 'affluent_senior', 'occasional', 'phone_elder'] as const;
export type PersonaId = (typeof PERSONA_IDS)[number];

export interface Persona {
  id: PersonaId;
  description: string;
  /** Share of the population. */
  weight: number;
  /** Age range (years) at the reference date. */
  age: readonly [number, number];
  gender: WeightedTable<Gender>;
  csp: (age: number, rng: Rng) => Csp;
  /** Multiplies the CSP's median income. */
  incomeFactor: number;
  /** Signup position in [earliest, reference]: u^power, so < 1 means recent signups, > 1 long tenure. */
  signupPower: number;
  channelPreference: WeightedTable<Channel>;
  /** Share of transactions on the preferred channel; the rest follow `channelMix`. */
  preferredShare: number;
  channelMix: WeightedTable<Channel>;
  /** Mean transaction count relative to --transactions-per-customer (normalized over personas). */
  frequency: number;
  /** Multiplies every basket. */
  basket: number;
  categories: WeightedTable<Category>;
  consent: { email: number; sms: number; partner: number };
}

const table = <T>(entries: Record<string, number>): WeightedTable<T> => new WeightedTable(Object.entries(entries).map(([k, w]) => [k as T, w] as const));

const cspTable = (entries: Partial<Record<Csp, number>>) => table<Csp>(entries);

const YOUNG_STUDENT = cspTable({ sans_activite: 50, employe: 35, ouvrier: 15 });
const DIGITAL_ACTIVE = cspTable({ employe: 35, profession_intermediaire: 28, cadre: 22, ouvrier: 10, artisan_commercant: 3, sans_activite: 2 });
const FAMILY = cspTable({ ouvrier: 25, employe: 30, profession_intermediaire: 24, artisan_commercant: 9, cadre: 8, agriculteur: 3, sans_activite: 4 });
const AFFLUENT_ACTIVE = cspTable({ cadre: 65, artisan_commercant: 18, profession_intermediaire: 15, agriculteur: 2 });
const AFFLUENT_RETIRED = cspTable({ retraite: 85, cadre: 10, artisan_commercant: 5 });
const OCCASIONAL_ACTIVE = cspTable({
  employe: 28,
  ouvrier: 22,
  profession_intermediaire: 17,
  sans_activite: 13,
  cadre: 10,
  artisan_commercant: 7,
  agriculteur: 3,
});
const RETIRED = cspTable({ retraite: 90, sans_activite: 5, employe: 5 });
const ELDER = cspTable({ retraite: 96, agriculteur: 2, artisan_commercant: 2 });

const GENDER_DEFAULT = table<Gender>({ f: 51, m: 48, x: 1 });

export const PERSONAS: Readonly<Record<PersonaId, Persona>> = {
  digital_young: {
    id: 'digital_young',
    description: 'young digital shoppers: 18-34, app and web, frequent small baskets (mode, high-tech, beauté)',
    weight: 22,
    age: [18, 34],
    gender: table<Gender>({ f: 50, m: 47.5, x: 2.5 }),
    csp: (age, rng) => (age < 23 ? YOUNG_STUDENT : DIGITAL_ACTIVE).pick(rng),
    incomeFactor: 0.95,
    signupPower: 0.5,
    channelPreference: table<Channel>({ app: 55, web: 42, store: 3 }),
    preferredShare: 0.6,
    channelMix: table<Channel>({ app: 45, web: 45, store: 10 }),
    frequency: 2.0,
    basket: 0.8,
    categories: table<Category>({ mode: 30, 'high-tech': 25, beauté: 18, sport: 14, alimentation: 10, maison: 3 }),
    consent: { email: 0.8, sms: 0.55, partner: 0.35 },
  },
  family_store: {
    id: 'family_store',
    description: 'families in stores: 28-52, store first, regular large grocery and home baskets',
    weight: 28,
    age: [28, 52],
    gender: GENDER_DEFAULT,
    csp: (_age, rng) => FAMILY.pick(rng),
    incomeFactor: 1.0,
    signupPower: 1.0,
    channelPreference: table<Channel>({ store: 72, web: 18, app: 10 }),
    preferredShare: 0.65,
    channelMix: table<Channel>({ store: 70, web: 20, app: 10 }),
    frequency: 1.2,
    basket: 1.15,
    categories: table<Category>({ alimentation: 45, maison: 15, mode: 12, sport: 10, jardin: 8, beauté: 6, 'high-tech': 4 }),
    consent: { email: 0.65, sms: 0.45, partner: 0.2 },
  },
  affluent_senior: {
    id: 'affluent_senior',
    description: 'affluent seniors: 55-82, cadres and retired cadres, store and web, high baskets (maison, jardin, high-tech)',
    weight: 12,
    age: [55, 82],
    gender: GENDER_DEFAULT,
    csp: (age, rng) => (age >= 63 ? AFFLUENT_RETIRED : AFFLUENT_ACTIVE).pick(rng),
    incomeFactor: 1.8,
    signupPower: 1.8,
    channelPreference: table<Channel>({ store: 50, web: 42, phone: 8 }),
    preferredShare: 0.6,
    channelMix: table<Channel>({ store: 55, web: 35, phone: 10 }),
    frequency: 0.9,
    basket: 2.4,
    categories: table<Category>({ maison: 25, jardin: 20, 'high-tech': 15, mode: 15, alimentation: 15, beauté: 7, sport: 3 }),
    consent: { email: 0.6, sms: 0.2, partner: 0.1 },
  },
  occasional: {
    id: 'occasional',
    description: 'occasional low spenders: any adult age, mixed channels, rare small baskets',
    weight: 28,
    age: [18, 75],
    gender: GENDER_DEFAULT,
    csp: (age, rng) => (age >= 63 ? RETIRED : age < 23 ? YOUNG_STUDENT : OCCASIONAL_ACTIVE).pick(rng),
    incomeFactor: 0.85,
    signupPower: 0.9,
    channelPreference: table<Channel>({ web: 40, store: 42, app: 13, phone: 5 }),
    preferredShare: 0.45,
    channelMix: table<Channel>({ web: 40, store: 45, app: 10, phone: 5 }),
    frequency: 0.25,
    basket: 0.6,
    categories: table<Category>({ alimentation: 25, mode: 20, maison: 15, beauté: 12, 'high-tech': 12, sport: 10, jardin: 6 }),
    consent: { email: 0.4, sms: 0.2, partner: 0.1 },
  },
  phone_elder: {
    id: 'phone_elder',
    description: 'phone-order elders: 68-86, retired, order by phone, medium grocery and home baskets',
    weight: 10,
    age: [68, 86],
    gender: table<Gender>({ f: 60, m: 39.5, x: 0.5 }),
    csp: (_age, rng) => ELDER.pick(rng),
    incomeFactor: 0.9,
    signupPower: 1.6,
    channelPreference: table<Channel>({ phone: 80, store: 20 }),
    preferredShare: 0.7,
    channelMix: table<Channel>({ phone: 70, store: 30 }),
    frequency: 0.7,
    basket: 1.0,
    categories: table<Category>({ alimentation: 40, maison: 25, jardin: 13, beauté: 12, mode: 8, 'high-tech': 2 }),
    consent: { email: 0.35, sms: 0.5, partner: 0.05 },
  },
};

export const PERSONA_TABLE = new WeightedTable(PERSONA_IDS.map((id) => [id, PERSONAS[id].weight] as const));

/** Population-weighted mean of `frequency`: dividing by it keeps the overall mean at the requested one. */
export const MEAN_FREQUENCY =
  PERSONA_IDS.reduce((s, id) => s + PERSONAS[id].weight * PERSONAS[id].frequency, 0) / PERSONA_IDS.reduce((s, id) => s + PERSONAS[id].weight, 0);

/** Median net annual income (EUR) and log-spread by CSP. */
export const INCOME: Readonly<Record<Csp, { median: number; sigma: number }>> = {
  agriculteur: { median: 21_000, sigma: 0.45 },
  artisan_commercant: { median: 30_000, sigma: 0.55 },
  cadre: { median: 50_000, sigma: 0.4 },
  profession_intermediaire: { median: 30_000, sigma: 0.3 },
  employe: { median: 22_000, sigma: 0.25 },
  ouvrier: { median: 21_000, sigma: 0.25 },
  retraite: { median: 23_000, sigma: 0.4 },
  sans_activite: { median: 8_000, sigma: 0.6 },
};

/** Median basket (EUR) and log-spread by category. */
export const BASKET: Readonly<Record<Category, { median: number; sigma: number }>> = {
  alimentation: { median: 48, sigma: 0.55 },
  mode: { median: 55, sigma: 0.6 },
  maison: { median: 75, sigma: 0.75 },
  beauté: { median: 32, sigma: 0.5 },
  'high-tech': { median: 160, sigma: 0.9 },
  sport: { median: 58, sigma: 0.7 },
  jardin: { median: 65, sigma: 0.75 },
};

/** Basket multiplier by channel (web carts are a little bigger, app ones a little smaller). */
export const CHANNEL_BASKET: Readonly<Record<Channel, number>> = { store: 1, web: 1.08, app: 0.85, phone: 1.15 };
