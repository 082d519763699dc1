// French first names (by gender and birth cohort), last names and street names for the synthetic customers.

/** Birth cohorts: given names follow fashions, so a 1948 Françoise and a 1999 Léa. */
export type Cohort = 'before_1960' | '1960_1985' | 'after_1985';

export const cohortOf = (birthYear: number): Cohort => (birthYear < 1960 ? 'before_1960' : birthYear <= 1985 ? '1960_1985' : 'after_1985');

export const FEMALE_FIRST_NAMES: Readonly<Record<Cohort, readonly string[]>> = {
  before_1960: [
    'Marie', 'Jeanne', 'Françoise', 'Monique', 'Jacqueline', 'Nicole', 'Simone', 'Denise', 'Michèle', 'Colette',
    'Yvette', 'Josette', 'Paulette', 'Geneviève', 'Odette', 'Suzanne', 'Madeleine', 'Christiane', 'Huguette', 'Thérèse',
    'Ginette', 'Danielle', 'Annie', 'Bernadette',
  ],
  '1960_1985': [
    'Isabelle', 'Sylvie', 'Catherine', 'Nathalie', 'Christine', 'Valérie', 'Sandrine', 'Véronique', 'Stéphanie', 'Céline',
    'Laurence', 'Hélène', 'Sophie', 'Corinne', 'Patricia', 'Karine', 'Virginie', 'Aurélie', 'Émilie', 'Delphine',
    'Séverine', 'Anne', 'Élodie', 'Agnès', 'Marie-Christine',
  ],
  after_1985: [
    'Léa', 'Emma', 'Chloé', 'Manon', 'Camille', 'Inès', 'Jade', 'Sarah', 'Clara', 'Lucie',
    'Zoé', 'Océane', 'Louise', 'Anaïs', 'Maëlle', 'Juliette', 'Pauline', 'Mathilde', 'Laura', 'Marine',
    'Noémie', 'Éléonore', 'Margaux', 'Amélie', 'Anne-Sophie',
  ],
};

export const MALE_FIRST_NAMES: Readonly<Record<Cohort, readonly string[]>> = {
  before_1960: [
    'Jean', 'Pierre', 'Michel', 'André', 'Jacques', 'René', 'Bernard', 'Claude', 'Roger', 'Marcel',
    'Robert', 'Gérard', 'Raymond', 'Henri', 'Georges', 'Lucien', 'Maurice', 'Louis', 'Guy', 'Daniel',
    'Alain', 'Joël', 'Yves', 'Gilbert',
  ],
  '1960_1985': [
    'Philippe', 'Patrick', 'Christophe', 'Thierry', 'Laurent', 'Éric', 'Stéphane', 'Frédéric', 'Olivier', 'Pascal',
    'David', 'Nicolas', 'Sébastien', 'Franck', 'Jérôme', 'Cédric', 'Hervé', 'Didier', 'Bruno', 'Jean-Luc',
    'Jean-François', 'Vincent', 'Ludovic', 'Grégory', 'François',
  ],
  after_1985: [
    'Lucas', 'Hugo', 'Théo', 'Enzo', 'Léo', 'Nathan', 'Mathis', 'Tom', 'Gabriel', 'Raphaël',
    'Maxime', 'Thomas', 'Antoine', 'Alexandre', 'Clément', 'Quentin', 'Romain', 'Adrien', 'Baptiste', 'Jules',
    'Arthur', 'Noé', 'Mathéo', 'Valentin', 'Jérémy',
  ],
};

export const LAST_NAMES: readonly string[] = [
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent',
  'Simon', 'Michel', 'Lefèvre', 'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Fournier', 'Girard',
  'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller', 'Lefebvre', 'Faure', 'André',
  'Mercier', 'Blanc', 'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Garcia',
  'Perrin', 'Robin', 'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson',
  'Marchand', 'Duval', 'Denis', 'Dumont', 'Lemaire', 'Noël', 'Meyer', 'Dufour', 'Meunier', 'Brun',
  'Blanchard', 'Giraud', 'Joly', 'Rivière', 'Lucas', 'Brunet', 'Gaillard', 'Barbier', 'Arnaud', 'Martinez',
  'Gérard', 'Roche', 'Renard', 'Schmitt', 'Roy', 'Leroux', 'Colin', 'Vidal', 'Caron', 'Picard',
  'Fabre', 'Aubert', 'Lemoine', 'Renaud', 'Dumas', 'Lacroix', 'Olivier', 'Bourgeois', 'Benoît', 'Rey',
  'Leclerc', 'Payet', 'Rolland', 'Guillaume', 'Lecomte', 'Lopez', 'Dupuy', 'Guillot', 'Hubert', 'Berger',
  'Carpentier', 'Sanchez', 'Le Gall', 'Le Goff', 'Hoarau', 'Ménard', 'Bérenger', 'Da Silva', 'Besnard', 'Château',
];

export const STREET_TYPES: readonly (readonly [string, number])[] = [
  ['rue', 55], ['avenue', 12], ['boulevard', 6], ['place', 4], ['allée', 5], ['impasse', 5], ['chemin', 6], ['route', 4], ['quai', 1], ['cours', 2],
];

export const STREET_NAMES: readonly string[] = [
  'de la République', 'Victor Hugo', 'Jean Jaurès', 'des Lilas', 'du Général de Gaulle', 'Pasteur', 'de la Gare',
  'des Écoles', 'Émile Zola', 'du Moulin', "de l'Église", 'des Tilleuls', 'Gambetta', 'Jules Ferry', 'de la Paix',
  'du Château', 'des Acacias', 'Voltaire', 'Carnot', 'de Verdun', 'Saint-Martin', 'des Peupliers', 'de Bretagne',
  'du 8 Mai 1945', 'Foch', 'Louis Pasteur', 'des Roses', 'du Stade', 'de la Fontaine', 'Anatole France',
  'Sadi Carnot', 'de la Liberté', 'Marcel Pagnol', 'Jean Moulin', 'des Cerisiers', 'de Provence', 'des Marronniers',
  'du Maréchal Leclerc', 'Paul Bert', 'de la Mairie', 'des Vignes', 'du Lavoir', 'Hélène Boucher', 'Simone Veil',
  'Marie Curie', 'des Hortensias', "de l'Abbé Pierre", 'du Puits', 'Georges Clemenceau', 'Aristide Briand',
];

const emailParts = new Map<string, string>();

/** ASCII, lower-case form of a name for an email local part: accents dropped, spaces removed (memoized). */
export function emailPart(name: string): string {
  let part = emailParts.get(name);
  if (part === undefined) {
    part = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9-]/g, '');
    if (emailParts.size < 10_000) emailParts.set(name, part);
  }
  return part;
}
