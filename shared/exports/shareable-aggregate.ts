import { placeGroup, showCount, SUPPRESSED, type AreaIndex, type PlacedArea, type ShownCount } from '../aggregate';
import { foldAll, type Fold } from '../fold';
import type { Group } from '../schemas/group.schema';
import { hxlCsv, type HxlColumn } from './hxl-csv';
import { pointCollection, type PointFeatureCollection } from './group-export';

/**
 * Decimals of an area's centre in the shareable export: 0.01° (about 1 km) names the centre of a
 * 250 km² area unambiguously and says nothing about where in the area anyone is.
 */
export const SHAREABLE_CENTRE_DECIMALS = 2;

/** People of one nationality in one area, as it may be shared: at least 5, or "<5". */
export interface ShareableCount {
  area: string;
  /** The admin areas naming it (null for an H3 cell, or for groups outside the loaded boundaries). */
  admin1: PlacedArea['admin1'];
  admin2: PlacedArea['admin2'];
  /** The area's centre [lon, lat], rounded: the same for every group in the area; null when it has none. */
  centre: [number, number] | null;
  nationality: string;
  people: ShownCount;
}

/** Groups whose people are still where they were reported (the "stranded" counter's rule). */
const LEFT_OUT = new Set<Group['status']>(['duplicate', 'closed', 'relocated', 'evacuated', 'returned']);

const round = (x: number) => Number(x.toFixed(SHAREABLE_CENTRE_DECIMALS));

/**
 * Counts for people outside the response: people by area and nationality (people a field team did
 * not attribute count as "unknown"), 1-4 shown as "<5", zero left out. No totals per area: a total
 * beside its nationality counts would let a reader subtract the shown ones and recover a suppressed
 * one. No ids, no free text, no group's own point. Fed group by group; it keeps one count per area
 * and nationality, never a group.
 */
export function shareableFold(index: AreaIndex): Fold<Group, ShareableCount[]> {
  const cells = new Map<string, Map<string, number>>();
  const placed = new Map<string, PlacedArea>();
  return {
    add(g) {
      if (LEFT_OUT.has(g.status)) return;
      const where = placeGroup(index, g);
      const area = where.area;
      if (!placed.has(area)) placed.set(area, where);
      const byNationality = cells.get(area) ?? new Map<string, number>();
      let attributed = 0;
      for (const n of g.nationalities) {
        byNationality.set(n.code, (byNationality.get(n.code) ?? 0) + n.count);
        attributed += n.count;
      }
      const rest = g.headcount.total - attributed;
      if (rest > 0) byNationality.set('unknown', (byNationality.get('unknown') ?? 0) + rest);
      cells.set(area, byNationality);
    },
    result() {
      const out: ShareableCount[] = [];
      for (const [area, byNationality] of [...cells].sort(([a], [b]) => a.localeCompare(b))) {
        const centre = index.centreOf(area);
        const { admin1, admin2 } = placed.get(area)!;
        for (const [nationality, n] of [...byNationality].sort(([a], [b]) => a.localeCompare(b))) {
          const people = showCount(n);
          if (people !== null) out.push({ area, admin1, admin2, centre: centre ? [round(centre[0]), round(centre[1])] : null, nationality, people });
        }
      }
      return out;
    },
  };
}

/** `shareableFold` over groups at hand. Pure. */
export function shareableAggregate(groups: Iterable<Group>, index: AreaIndex): ShareableCount[] {
  return foldAll(shareableFold(index), groups);
}

export const SHAREABLE_COLUMNS: readonly HxlColumn[] = [
  { header: 'Area (adm1:/adm2: p-code, outside, or H3 cell at resolution 5)', tag: '#loc+code' },
  { header: 'Admin 1', tag: '#adm1+name' },
  { header: 'Admin 1 p-code', tag: '#adm1+code' },
  { header: 'Admin 2', tag: '#adm2+name' },
  { header: 'Admin 2 p-code', tag: '#adm2+code' },
  { header: 'Area centre latitude', tag: '#geo+lat' },
  { header: 'Area centre longitude', tag: '#geo+lon' },
  { header: 'Nationality (ISO3, or stateless, unknown)', tag: '#country+origin' },
  { header: 'People', tag: '#affected+migrants+total' },
  { header: 'Withheld (1 to 4 people)', tag: '#meta+suppressed' },
];

/** An area's admin 1 and 2 as four cells (name, p-code each), empty where it has none. */
export function adminCells(a: Pick<PlacedArea, 'admin1' | 'admin2'>): [string, string, string, string] {
  return [a.admin1?.name ?? '', a.admin1?.pcode ?? '', a.admin2?.name ?? '', a.admin2?.pcode ?? ''];
}

/** A shown count as two cells: the number (empty when withheld) and the flag ("yes" when withheld). */
export function suppressedCells(people: ShownCount): [number | '', 'yes' | ''] {
  return people === SUPPRESSED ? ['', 'yes'] : [people, ''];
}

/**
 * The shareable counts as CSV with an HXL row. A withheld count (1-4) leaves the numeric people
 * cell empty and says "yes" in the flag column: "<5" under a numeric hashtag is an error to HXL
 * tools and a text cell to a spreadsheet's sum. Pure.
 */
export function shareableCsv(counts: readonly ShareableCount[]): string {
  return hxlCsv(
    SHAREABLE_COLUMNS,
    counts.map((c) => [c.area, ...adminCells(c), c.centre?.[1] ?? '', c.centre?.[0] ?? '', c.nationality, ...suppressedCells(c.people)]),
  );
}

/**
 * One point per area at its centre; properties: the area, its admin names and p-codes, and
 * `people_<ISO3>` per nationality. Areas without a centre (outside the loaded boundaries) have no
 * point to stand at and are in the CSV only. Pure.
 */
export function shareableGeoJson(counts: readonly ShareableCount[]): PointFeatureCollection<Record<string, string | number>> {
  const areas = new Map<string, { at: [number, number]; properties: Record<string, string | number> }>();
  for (const c of counts) {
    if (!c.centre) continue;
    const [adm1Name, adm1Code, adm2Name, adm2Code] = adminCells(c);
    const item = areas.get(c.area) ?? {
      at: c.centre,
      properties: { area: c.area, adm1_name: adm1Name, adm1_pcode: adm1Code, adm2_name: adm2Name, adm2_pcode: adm2Code },
    };
    item.properties[`people_${c.nationality}`] = c.people;
    areas.set(c.area, item);
  }
  return pointCollection([...areas.values()]);
}
