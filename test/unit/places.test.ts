import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import fr from '../../client/lib/i18n/fr';
import ar from '../../client/lib/i18n/ar';
import { compassPoint, fold, nearestPlace, parsePlaces, placePhrase, searchPlaces, type Gazetteer, type PlacePhraseKey } from '../../client/lib/places/places';

// A small gazetteer in the file's own format, so each case says exactly what it searches.
function gazetteer(): Gazetteer {
  return parsePlaces({
    places: [
      ['2210247', 'Tripoli', 'طرابلس', 13.1873, 32.8874, 1150989, 'LY'],
      ['2214846', 'Mişrātah', 'مصراتة', 15.0925, 32.3754, 386120, 'LY'],
      ['2218970', 'Az Zāwīyah', 'الزاوية', 12.7276, 32.7571, 200000, 'LY'],
      ['2210394', 'Tagiura', 'تاجوراء', 13.3506, 32.8817, 100000, 'LY'],
      ['2468369', 'Gabès', '', 10.0982, 33.8815, 110075, 'TN'],
      ['9999999', 'Zawiyat al Mahjub', '', 15.0, 32.3, 5000, 'LY'],
    ],
  });
}

const names = (found: { name: string }[]) => found.map((p) => p.name);

describe(searchPlaces.name, () => {
  it('finds a name without its accents, whichever way it is typed', () => {
    expect(names(searchPlaces(gazetteer(), 'gabes'))).toEqual(['Gabès']);
    expect(names(searchPlaces(gazetteer(), 'GABÈS'))).toEqual(['Gabès']);
    expect(names(searchPlaces(gazetteer(), 'misratah'))).toEqual(['Mişrātah']);
  });

  it('finds a name by a prefix, of the name or of one of its words', () => {
    expect(names(searchPlaces(gazetteer(), 'tri'))).toEqual(['Tripoli']);
    expect(names(searchPlaces(gazetteer(), 'Mahj'))).toEqual(['Zawiyat al Mahjub']);
  });

  it('finds a name without its article, and puts the better match first, then the larger place', () => {
    // "Zawiya" is the start of "Zāwīyah" once "Az" is dropped, and the start of "Zawiyat al Mahjub".
    expect(names(searchPlaces(gazetteer(), 'Zawiya'))).toEqual(['Az Zāwīyah', 'Zawiyat al Mahjub']);
    expect(names(searchPlaces(gazetteer(), 'zawiyah'))).toEqual(['Az Zāwīyah']);
  });

  it('finds a place by its Arabic name, with or without the article, hamza forms or final taa marbuta', () => {
    expect(names(searchPlaces(gazetteer(), 'طرابلس'))).toEqual(['Tripoli']);
    expect(names(searchPlaces(gazetteer(), 'طراب'))).toEqual(['Tripoli']);
    expect(names(searchPlaces(gazetteer(), 'الزاويه'))).toEqual(['Az Zāwīyah']);
    expect(names(searchPlaces(gazetteer(), 'زاوية'))).toEqual(['Az Zāwīyah']);
    expect(names(searchPlaces(gazetteer(), 'مِصْراتة'))).toEqual(['Mişrātah']);
    expect(names(searchPlaces(gazetteer(), 'تاجورا'))).toEqual(['Tagiura']);
  });

  it('finds nothing for an empty query, punctuation alone or a name not in the region', () => {
    expect(searchPlaces(gazetteer(), '')).toEqual([]);
    expect(searchPlaces(gazetteer(), ' - ')).toEqual([]);
    expect(searchPlaces(gazetteer(), 'Cairo')).toEqual([]);
  });

  it('stops at the limit', () => {
    expect(searchPlaces(gazetteer(), 't', 1)).toHaveLength(1);
  });
});

describe(fold.name, () => {
  it('folds case, Latin accents, ayn signs and Arabic vowel marks away', () => {
    expect(fold('Al ‘Azīzīyah')).toBe('al aziziyah');
    expect(fold('Ṣabrātah')).toBe('sabratah');
    expect(fold('أجدابيا')).toBe(fold('اجدابيا'));
  });
});

describe(parsePlaces.name, () => {
  it('reads the bundled file and keeps the largest place first', () => {
    const file = JSON.parse(fs.readFileSync('client/lib/places/places.json', 'utf8')) as unknown;
    const read = parsePlaces(file);
    expect(read.places.length).toBeGreaterThan(50);
    expect(read.places[0]!.name).toBe('Tripoli');
    expect(read.places.some((p) => p.nameAr === 'الزاوية')).toBe(true);
  });

  it('refuses a file of another shape', () => {
    expect(() => parsePlaces({ places: [['1', 'X', '', 200, 0, 1, 'LY']] })).toThrow();
    expect(() => parsePlaces([])).toThrow();
  });
});

// A translator over the real catalogues, as the app's t() fills them.
function translator(catalogue: Readonly<Record<string, string>>) {
  return (key: PlacePhraseKey, params: Record<string, string | number>) =>
    catalogue[key]!.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]).replace('.', catalogue === fr ? ',' : '.'));
}

describe(placePhrase.name, () => {
  // 2.3 km from Az Zāwīyah's centre towards the north-east.
  const point = { lat: 32.7571 + 0.0146, lon: 12.7276 + 0.0174 };

  it('says how far and which way the point is from the nearest place', () => {
    const relation = nearestPlace(gazetteer(), point)!;
    expect(relation.place.name).toBe('Az Zāwīyah');
    expect(relation.direction).toBe('ne');
    expect(placePhrase(relation, 'en', translator(en))).toBe('2.3 km NE of Az Zāwīyah');
  });

  it('says it in French and in Arabic, with the Arabic name where there is one', () => {
    const relation = nearestPlace(gazetteer(), point)!;
    expect(placePhrase(relation, 'fr', translator(fr))).toBe('À 2,3 km au nord-est de Az Zāwīyah');
    expect(placePhrase(relation, 'ar', translator(ar))).toBe('على بعد 2.3 كم شمال شرق الزاوية');
  });

  it('keeps the Latin name in Arabic when no Arabic name was written', () => {
    const relation = nearestPlace(gazetteer(), { lat: 33.9, lon: 10.2 })!;
    expect(relation.place.name).toBe('Gabès');
    expect(placePhrase(relation, 'ar', translator(ar))).toMatch(/Gabès$/);
  });

  it('says "in" a place for a point at its centre, and rounds far distances to whole kilometres', () => {
    const here = nearestPlace(gazetteer(), { lat: 32.8874, lon: 13.1873 + 0.002 })!;
    expect(placePhrase(here, 'en', translator(en))).toBe('In Tripoli');
    const far = nearestPlace(gazetteer(), { lat: 32.8874 - 0.25, lon: 13.1873 })!;
    expect(placePhrase(far, 'en', translator(en))).toMatch(/^2[78] km S of Tripoli$/);
  });

  it('names no place for a point far from all of them', () => {
    expect(nearestPlace(gazetteer(), { lat: 20, lon: 20 })).toBeNull();
  });
});

describe(compassPoint.name, () => {
  it('picks the nearest of eight points, wrapping at north', () => {
    expect([0, 44, 46, 90, 180, 225, 270, 337, 359].map(compassPoint)).toEqual(['n', 'ne', 'ne', 'e', 's', 'sw', 'w', 'nw', 'n']);
  });
});
