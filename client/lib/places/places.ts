import { z } from 'zod';

// The gazetteer as pure data and functions: parsing the bundled file, finding a place by name and
// naming a point by the place nearest to it. Nothing here touches the map or the page, so it is
// unit-tested as is (test/unit/places.test.ts).

/** A populated place of the crisis region (GeoNames, via scripts/build-places.js). */
export interface Place {
  /** GeoNames id. */
  id: string;
  /** GeoNames' name, in Latin script. */
  name: string;
  /** The Arabic name, or null where none was written (the Latin name is shown instead). */
  nameAr: string | null;
  lon: number;
  lat: number;
  population: number;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** A place prepared for search: its names folded once, when the file is read. */
export interface Gazetteer {
  /** Largest first. */
  places: readonly Place[];
  /** Per place, the folded names it answers to (Latin and Arabic), parallel to `places`. */
  keys: readonly (readonly string[])[];
}

const placeRow = z.tuple([
  z.string(),
  z.string().min(1),
  z.string(),
  z.number().min(-180).max(180),
  z.number().min(-90).max(90),
  z.number().int().min(0),
  z.string(),
]);
const placesFile = z.object({ places: z.array(placeRow) });

/** Reads the file scripts/build-places.js writes; throws a zod error on anything else. */
export function parsePlaces(json: unknown): Gazetteer {
  const rows = placesFile.parse(json).places;
  const places = rows.map(([id, name, nameAr, lon, lat, population, country]): Place => ({ id, name, nameAr: nameAr || null, lon, lat, population, country }));
  // Largest first whatever the file's order: ties in search and the label order both rely on it.
  places.sort((a, b) => b.population - a.population);
  return { places, keys: places.map((p) => (p.nameAr ? [fold(p.name), fold(p.nameAr)] : [fold(p.name)])) };
}

/**
 * A name as search compares it: without case, accents or Arabic vowel marks, with the Arabic
 * letters people type interchangeably made one (alef forms, taa marbuta and haa, alef maqsura and
 * yaa), and with apostrophes, ayn/hamza signs and punctuation dropped ("Az Zāwīyah" and
 * "az zawiyah", "الزاوية" and "الزاويه" fold alike).
 */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\u0622\u0623\u0625\u0671]/g, '\u0627')
    .replace(/\u0629/g, '\u0647')
    .replace(/\u0649/g, '\u064A')
    .replace(/\u0640/g, '')
    .replace(/['’‘ʼʻʿʾ`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Latin and Arabic article prefixes a person may leave out: "Zawiya" finds "Az Zāwīyah", "زاوية" finds "الزاوية". */
const ARTICLE = /^(?:al|el|ad|adh|ag|an|ar|as|ash|at|az)\s|^\u0627\u0644/;

/** How well a folded name answers a folded query: 0 exact, 1 the name starts with it, 2 a word does; null not at all. */
function matchRank(key: string, query: string): number | null {
  if (key === query) return 0;
  const bare = key.replace(ARTICLE, '');
  if (bare === query) return 0;
  if (key.startsWith(query) || bare.startsWith(query)) return 1;
  for (const word of key.split(' ')) if (word.startsWith(query) || word.replace(ARTICLE, '').startsWith(query)) return 2;
  return null;
}

/** Places whose name (Latin or Arabic) starts with what was typed, best match then largest first. */
export function searchPlaces(gazetteer: Gazetteer, text: string, limit = 8): Place[] {
  const query = fold(text);
  if (query.length === 0) return [];
  const found: { place: Place; rank: number; order: number }[] = [];
  gazetteer.places.forEach((place, order) => {
    let best: number | null = null;
    for (const key of gazetteer.keys[order] ?? []) {
      const rank = matchRank(key, query);
      if (rank !== null && (best === null || rank < best)) best = rank;
    }
    if (best !== null) found.push({ place, rank: best, order });
  });
  found.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return found.slice(0, limit).map((f) => f.place);
}

const EARTH_RADIUS_M = 6_371_008.8;
const toRad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = toRad(b.lat - a.lat);
  const dLon = toRad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from `a` to `b`, degrees clockwise from north in [0, 360). */
export function bearingDeg(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLon = toRad(b.lon - a.lon);
  const y = Math.sin(dLon) * Math.cos(toRad(b.lat));
  const x = Math.cos(toRad(a.lat)) * Math.sin(toRad(b.lat)) - Math.sin(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.cos(dLon);
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

export const COMPASS = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'] as const;
export type CompassPoint = (typeof COMPASS)[number];

/** The nearest of eight compass points to a bearing. */
export function compassPoint(bearing: number): CompassPoint {
  return COMPASS[Math.round((((bearing % 360) + 360) % 360) / 45) % 8]!;
}

/** Where a point is, said against the nearest place: the place, how far and which way from it. */
export interface PlaceRelation {
  place: Place;
  distanceM: number;
  /** From the place towards the point; null when the point is in the place (under AT_PLACE_M). */
  direction: CompassPoint | null;
}

/** Closer than this to a place's centre, a point is said to be "in" it: a town is wider than that. */
export const AT_PLACE_M = 1_000;
/** Farther than this from every place, naming one would mislead more than help. */
export const NEAREST_MAX_M = 100_000;

/** The place nearest to a point, or null when none is within NEAREST_MAX_M. */
export function nearestPlace(gazetteer: Gazetteer, point: { lat: number; lon: number }): PlaceRelation | null {
  let best: Place | null = null;
  let bestM = Infinity;
  for (const place of gazetteer.places) {
    const m = distanceM(place, point);
    if (m < bestM) [best, bestM] = [place, m];
  }
  if (!best || bestM > NEAREST_MAX_M) return null;
  return { place: best, distanceM: bestM, direction: bestM < AT_PLACE_M ? null : compassPoint(bearingDeg(best, point)) };
}

/** A place's name in a language: Arabic where one was written, the GeoNames name otherwise. */
export function placeName(place: Place, language: string): string {
  return language === 'ar' && place.nameAr ? place.nameAr : place.name;
}

/** Distance shown to a person: one decimal under 10 km ("2.3 km"), whole kilometres beyond. */
export function roundedKm(metres: number): number {
  const km = metres / 1000;
  return km < 10 ? Math.round(km * 10) / 10 : Math.round(km);
}

/** The catalogue keys of the nearest-place phrase, one per compass point and one for "in". */
export type PlacePhraseKey = `place.near.${CompassPoint}` | 'place.in';

/**
 * The nearest-place phrase in the active language ("2.3 km NE of Zawiya", "à 2,3 km au nord-est
 * de Zawiya", "على بعد 2.3 كم شمال شرق الزاوية"). Whole phrases per direction, not a direction word
 * slotted into one template: French elides ("à l'est") and Arabic orders words its own way.
 */
export function placePhrase(
  relation: PlaceRelation,
  language: string,
  translate: (key: PlacePhraseKey, params: Record<string, string | number>) => string,
): string {
  const place = placeName(relation.place, language);
  if (relation.direction === null) return translate('place.in', { place });
  return translate(`place.near.${relation.direction}`, { distance: roundedKm(relation.distanceM), place });
}
