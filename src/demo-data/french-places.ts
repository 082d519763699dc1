// Real French postcodes and their towns (every metropolitan département, Corsica, a few overseas), weighted by population.
import { WeightedTable, type Rng } from './rng.ts';

export interface Place {
  postcode: string;
  city: string;
  /** Département code as in the NIR: '01'..'95', '2A'/'2B', or '971'..'974' overseas. */
  departement: string;
}

/**
 * [postcodes, town, weight]. Postcodes are one code, a space-separated list, or a 'first-last'
 * range of arrondissements. Weights are rough populations in tens of thousands.
 */
const TOWNS: readonly (readonly [string, string, number])[] = [
  ['01000', 'Bourg-en-Bresse', 6], ['01100', 'Oyonnax', 3],
  ['02000', 'Laon', 3], ['02100', 'Saint-Quentin', 5],
  ['03000', 'Moulins', 3], ['03100', 'Montluçon', 4], ['03200', 'Vichy', 3],
  ['04000', 'Digne-les-Bains', 2], ['04100', 'Manosque', 2],
  ['05000', 'Gap', 4], ['05100', 'Briançon', 1],
  ['06000 06100 06200 06300', 'Nice', 34], ['06400', 'Cannes', 7], ['06600', 'Antibes', 7],
  ['07000', 'Privas', 1], ['07100', 'Annonay', 2],
  ['08000', 'Charleville-Mézières', 5], ['08200', 'Sedan', 2],
  ['09000', 'Foix', 1], ['09100', 'Pamiers', 2],
  ['10000', 'Troyes', 6],
  ['11000', 'Carcassonne', 5], ['11100', 'Narbonne', 5],
  ['12000', 'Rodez', 3], ['12100', 'Millau', 2],
  ['13001-13016', 'Marseille', 87], ['13090 13100', 'Aix-en-Provence', 14], ['13200', 'Arles', 5],
  ['14000', 'Caen', 11], ['14100', 'Lisieux', 2],
  ['15000', 'Aurillac', 3],
  ['16000', 'Angoulême', 4], ['16100', 'Cognac', 2],
  ['17000', 'La Rochelle', 8], ['17100', 'Saintes', 3], ['17300', 'Rochefort', 2],
  ['18000', 'Bourges', 6],
  ['19000', 'Tulle', 2], ['19100', 'Brive-la-Gaillarde', 5],
  ['20000 20090', 'Ajaccio', 7], ['20100', 'Sartène', 1], ['20137', 'Porto-Vecchio', 1],
  ['20200', 'Bastia', 5], ['20220', "L'Île-Rousse", 1], ['20250', 'Corte', 1], ['20260', 'Calvi', 1],
  ['21000', 'Dijon', 16], ['21200', 'Beaune', 2],
  ['22000', 'Saint-Brieuc', 4], ['22100', 'Dinan', 1], ['22300', 'Lannion', 2],
  ['23000', 'Guéret', 1],
  ['24000', 'Périgueux', 3], ['24100', 'Bergerac', 3],
  ['25000', 'Besançon', 12], ['25200', 'Montbéliard', 3],
  ['26000', 'Valence', 6], ['26200', 'Montélimar', 4],
  ['27000', 'Évreux', 5], ['27200', 'Vernon', 2],
  ['28000', 'Chartres', 4], ['28100', 'Dreux', 3],
  ['29000', 'Quimper', 6], ['29200', 'Brest', 14],
  ['30000', 'Nîmes', 15], ['30100', 'Alès', 4],
  ['31000 31100 31200 31300 31400 31500', 'Toulouse', 49],
  ['32000', 'Auch', 2],
  ['33000 33100 33200 33300 33800', 'Bordeaux', 26], ['33600', 'Pessac', 6], ['33700', 'Mérignac', 7],
  ['34000 34070 34080 34090', 'Montpellier', 30], ['34200', 'Sète', 4], ['34500', 'Béziers', 8],
  ['35000 35200 35700', 'Rennes', 22], ['35400', 'Saint-Malo', 5],
  ['36000', 'Châteauroux', 4],
  ['37000 37100 37200', 'Tours', 14],
  ['38000 38100', 'Grenoble', 16], ['38200', 'Vienne', 3],
  ['39000', 'Lons-le-Saunier', 2], ['39100', 'Dole', 2],
  ['40000', 'Mont-de-Marsan', 3], ['40100', 'Dax', 2],
  ['41000', 'Blois', 5],
  ['42000 42100', 'Saint-Étienne', 17], ['42300', 'Roanne', 3],
  ['43000', 'Le Puy-en-Velay', 2],
  ['44000 44100 44200 44300', 'Nantes', 32], ['44600', 'Saint-Nazaire', 7],
  ['45000 45100', 'Orléans', 12],
  ['46000', 'Cahors', 2],
  ['47000', 'Agen', 3],
  ['48000', 'Mende', 1],
  ['49000 49100', 'Angers', 16], ['49300', 'Cholet', 5],
  ['50000', 'Saint-Lô', 2], ['50100', 'Cherbourg-en-Cotentin', 8],
  ['51000', 'Châlons-en-Champagne', 4], ['51100', 'Reims', 18],
  ['52000', 'Chaumont', 2],
  ['53000', 'Laval', 5],
  ['54000 54100', 'Nancy', 11],
  ['55000', 'Bar-le-Duc', 1], ['55100', 'Verdun', 2],
  ['56000', 'Vannes', 6], ['56100', 'Lorient', 6],
  ['57000 57050', 'Metz', 12], ['57100', 'Thionville', 4],
  ['58000', 'Nevers', 3],
  ['59000 59800', 'Lille', 24], ['59100', 'Roubaix', 10], ['59140', 'Dunkerque', 9], ['59200', 'Tourcoing', 10], ['59650', "Villeneuve-d'Ascq", 6],
  ['60000', 'Beauvais', 6], ['60200', 'Compiègne', 4],
  ['61000', 'Alençon', 3],
  ['62000', 'Arras', 4], ['62100', 'Calais', 7], ['62200', 'Boulogne-sur-Mer', 4],
  ['63000 63100', 'Clermont-Ferrand', 15],
  ['64000', 'Pau', 8], ['64100', 'Bayonne', 5], ['64200', 'Biarritz', 3],
  ['65000', 'Tarbes', 4],
  ['66000 66100', 'Perpignan', 12],
  ['67000 67100 67200', 'Strasbourg', 29],
  ['68000', 'Colmar', 7], ['68100', 'Mulhouse', 11],
  ['69001-69009', 'Lyon', 52], ['69100', 'Villeurbanne', 15], ['69200', 'Vénissieux', 7],
  ['70000', 'Vesoul', 2],
  ['71000', 'Mâcon', 3], ['71100', 'Chalon-sur-Saône', 4],
  ['72000 72100', 'Le Mans', 14],
  ['73000', 'Chambéry', 6], ['73100', 'Aix-les-Bains', 3],
  ['74000', 'Annecy', 13], ['74100', 'Annemasse', 4], ['74200', 'Thonon-les-Bains', 4],
  ['75001-75020', 'Paris', 210],
  ['76000 76100', 'Rouen', 11], ['76200', 'Dieppe', 3], ['76600', 'Le Havre', 17],
  ['77000', 'Melun', 4], ['77100', 'Meaux', 6], ['77500', 'Chelles', 5],
  ['78000', 'Versailles', 8], ['78100', 'Saint-Germain-en-Laye', 4],
  ['79000', 'Niort', 6],
  ['80000 80080 80090', 'Amiens', 13],
  ['81000', 'Albi', 5], ['81100', 'Castres', 4],
  ['82000', 'Montauban', 6],
  ['83000 83100 83200', 'Toulon', 17], ['83400', 'Hyères', 5], ['83600', 'Fréjus', 5],
  ['84000', 'Avignon', 9], ['84200', 'Carpentras', 3],
  ['85000', 'La Roche-sur-Yon', 5], ['85100', "Les Sables-d'Olonne", 4],
  ['86000', 'Poitiers', 9], ['86100', 'Châtellerault', 3],
  ['87000 87100', 'Limoges', 13],
  ['88000', 'Épinal', 3], ['88100', 'Saint-Dié-des-Vosges', 2],
  ['89000', 'Auxerre', 3], ['89100', 'Sens', 3],
  ['90000', 'Belfort', 5],
  ['91000', 'Évry-Courcouronnes', 7], ['91120', 'Palaiseau', 4], ['91300', 'Massy', 5],
  ['92000', 'Nanterre', 10], ['92100', 'Boulogne-Billancourt', 12], ['92130', 'Issy-les-Moulineaux', 7], ['92400', 'Courbevoie', 8],
  ['93000', 'Bobigny', 5], ['93100', 'Montreuil', 11], ['93200', 'Saint-Denis', 11],
  ['94000', 'Créteil', 9], ['94300', 'Vincennes', 5], ['94400', 'Vitry-sur-Seine', 9],
  ['95000', 'Cergy', 7], ['95100', 'Argenteuil', 11],
  ['97100', 'Basse-Terre', 1], ['97110', 'Pointe-à-Pitre', 2],
  ['97200', 'Fort-de-France', 4],
  ['97300', 'Cayenne', 3],
  ['97400', 'Saint-Denis', 7], ['97410', 'Saint-Pierre', 4], ['97460', 'Saint-Paul', 4],
];

function expand(codes: string): string[] {
  const range = /^(\d{5})-(\d{5})$/.exec(codes);
  if (!range) return codes.split(' ');
  const out: string[] = [];
  for (let c = Number(range[1]); c <= Number(range[2]); c++) out.push(String(c).padStart(5, '0'));
  return out;
}

/** The département a postcode belongs to (Corsica split at 20200: 2A south, 2B north). */
export function departementOf(postcode: string): string {
  if (postcode.startsWith('20')) return Number(postcode) < 20200 ? '2A' : '2B';
  if (postcode.startsWith('97')) return postcode.slice(0, 3);
  return postcode.slice(0, 2);
}

const PLACES: readonly (readonly Place[])[] = TOWNS.map(([codes, city]) =>
  expand(codes).map((postcode) => ({ postcode, city, departement: departementOf(postcode) })),
);

const PLACE_TABLE = new WeightedTable(TOWNS.map((t, i) => [i, t[2]] as const));
const METROPOLITAN_TABLE = new WeightedTable(
  TOWNS.map((t, i) => [i, t[0].startsWith('97') ? 0 : t[2]] as const),
);

/** A place drawn by population (the town first, then one of its postcodes). */
export function randomPlace(rng: Rng, metropolitanOnly = false): Place {
  const places = PLACES[(metropolitanOnly ? METROPOLITAN_TABLE : PLACE_TABLE).pick(rng)]!;
  return rng.pick(places);
}

/** Every postcode the generator may use, for tests. */
export const ALL_POSTCODES: ReadonlySet<string> = new Set(PLACES.flat().map((p) => p.postcode));
