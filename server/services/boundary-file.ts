import { getIssues } from '@placemarkio/check-geojson';
import { geometryBbox } from '../../shared/admin-areas/point-in-area';
import {
  AreaGeometry,
  Pcode,
  type AdminArea,
  type AdminLevel,
  type AreaPreview,
  type AreaProblem,
  type BoundaryFile,
} from '../../shared/schemas/admin-area.schema';

/** Most areas one load keeps: a country's admin 2 is at most a few thousand (Nigeria's 774, Indonesia's 514). */
export const MAX_AREAS = 20_000;
/** Problems listed in a preview; the rest are counted. */
const MAX_LISTED = 200;

/** What reading boundary files gave: the areas to store (when there is no error) and the preview. */
export interface BoundaryReading {
  areas: AdminArea[];
  preview: AreaPreview;
}

type Properties = Map<string, unknown>;

/** Property names upper-cased: HDX writes ADM1_PCODE, some re-exports adm1_pcode. */
const upperKeys = (props: unknown): Properties =>
  new Map(props && typeof props === 'object' ? Object.entries(props).map(([k, v]) => [k.toUpperCase(), v] as const) : []);

const text = (props: Properties, key: string): string | null => {
  const v = props.get(key);
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
};

/** The deepest ADMn_PCODE key a feature has is its level (an admin 2 feature also names its admin 1). */
function detectLevel(props: Properties): number | null {
  let level: number | null = null;
  for (const key of props.keys()) {
    const m = /^ADM(\d)_PCODE$/.exec(key);
    if (m?.[1] !== undefined) level = Math.max(level ?? 0, Number(m[1]));
  }
  return level;
}

/** The display name of level `n`: English first, then COD-AB's reference name, then any other. */
const nameOf = (props: Properties, n: number): string | null =>
  text(props, `ADM${n}_EN`) ?? text(props, `ADM${n}_REF`) ?? text(props, `ADM${n}_NAME`) ?? text(props, `ADM${n}_FR`) ?? text(props, `ADM${n}_AR`);

/** Line number (1-based) of a character offset, for check-geojson's issues. */
const lineOf = (source: string, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
};

/** Twice the signed area of a ring (shoelace); zero for a ring that encloses nothing. */
function ringArea(ring: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax = 0, ay = 0] = ring[i] ?? [];
    const [bx = 0, by = 0] = ring[j] ?? [];
    sum += (bx - ax) * (by + ay);
  }
  return sum;
}

/** Why a polygon's rings cannot be used, or null. check-geojson checks structure; this checks what the lookup relies on. */
function ringProblem(geometry: AreaGeometry): string | null {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      const first = ring[0];
      const last = ring.at(-1);
      if (!first || !last || first[0] !== last[0] || first[1] !== last[1]) return 'a ring is not closed (its last position must repeat its first)';
      if (ringArea(ring) === 0) return 'a ring encloses no area';
    }
  }
  return null;
}

/**
 * Reads COD-AB GeoJSON files (as HDX publishes them: one FeatureCollection per level, or both in
 * one) into admin 1 and 2 areas, with every problem found. Nothing is stored here: the caller
 * previews, and commits only when `preview.ok`.
 */
export function readBoundaryFiles(files: readonly BoundaryFile[]): BoundaryReading {
  const problems: AreaProblem[] = [];
  const problem = (p: Omit<AreaProblem, 'file' | 'feature' | 'pcode'> & Partial<AreaProblem>) =>
    problems.push({ file: null, feature: null, pcode: null, ...p });
  const areas = new Map<string, AdminArea>();
  /** Admin 1 names as admin 2 features give them, for parents that have no feature of their own. */
  const namedParents = new Map<string, { name: string; nameAr: string | null; nameFr: string | null }>();

  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(file.text);
    } catch {
      problem({ code: 'not_json', severity: 'error', file: file.name, message: 'the file is not JSON' });
      continue;
    }
    const issues = getIssues(file.text);
    if (issues.length > 0) {
      for (const issue of issues.slice(0, 20)) {
        problem({ code: 'bad_geometry', severity: 'error', file: file.name, message: `line ${lineOf(file.text, issue.from)}: ${issue.message}`.slice(0, 500) });
      }
      continue;
    }
    if (!parsed || typeof parsed !== 'object' || (parsed as { type?: unknown }).type !== 'FeatureCollection') {
      problem({ code: 'not_feature_collection', severity: 'error', file: file.name, message: 'a COD-AB file is a GeoJSON FeatureCollection' });
      continue;
    }
    const features = (parsed as { features: { properties?: unknown; geometry?: unknown }[] }).features;
    features.forEach((feature, index) => {
      const at = { file: file.name, feature: index };
      const props = upperKeys(feature.properties);
      const level = detectLevel(props);
      if (level === null) {
        problem({ ...at, code: 'missing_pcode', severity: 'error', message: 'no ADM1_PCODE or ADM2_PCODE property' });
        return;
      }
      if (level !== 1 && level !== 2) {
        problem({ ...at, code: 'level_skipped', severity: 'warning', message: `admin ${level} areas are not kept (only admin 1 and 2)` });
        return;
      }
      const raw = text(props, `ADM${level}_PCODE`);
      if (raw === null) {
        problem({ ...at, code: 'missing_pcode', severity: 'error', message: `ADM${level}_PCODE is empty` });
        return;
      }
      const pcode = Pcode.safeParse(raw);
      if (!pcode.success) {
        problem({ ...at, code: 'bad_pcode', severity: 'error', pcode: raw.slice(0, 40), message: 'a p-code holds letters, digits, "_", "." or "-"' });
        return;
      }
      const withPcode = { ...at, pcode: pcode.data };
      const name = nameOf(props, level);
      if (name === null) {
        problem({ ...withPcode, code: 'missing_name', severity: 'error', message: `no ADM${level}_EN, ADM${level}_REF or other name` });
        return;
      }
      const geometry = AreaGeometry.safeParse(feature.geometry);
      if (!geometry.success) {
        const type = (feature.geometry as { type?: unknown } | null)?.type;
        const isPolygonal = type === 'Polygon' || type === 'MultiPolygon';
        problem({
          ...withPcode,
          code: isPolygonal ? 'bad_geometry' : 'not_polygon',
          severity: 'error',
          message: isPolygonal
            ? 'coordinates out of range or a ring with fewer than 4 positions'
            : `an admin area is a Polygon or MultiPolygon, not ${String(type ?? 'nothing')}`,
        });
        return;
      }
      const ringIssue = ringProblem(geometry.data);
      if (ringIssue) {
        problem({ ...withPcode, code: 'bad_geometry', severity: 'error', message: ringIssue });
        return;
      }
      if (areas.has(pcode.data)) {
        problem({ ...withPcode, code: 'duplicate_pcode', severity: 'error', message: 'this p-code is given to two areas' });
        return;
      }
      let parentPcode: string | null = null;
      if (level === 2) {
        const parent = Pcode.safeParse(text(props, 'ADM1_PCODE') ?? '');
        if (parent.success) {
          parentPcode = parent.data;
          const parentName = nameOf(props, 1);
          if (parentName && !namedParents.has(parentPcode)) {
            namedParents.set(parentPcode, { name: parentName, nameAr: text(props, 'ADM1_AR'), nameFr: text(props, 'ADM1_FR') });
          }
        } else {
          problem({ ...withPcode, code: 'parent_missing', severity: 'warning', message: 'no ADM1_PCODE: its admin 1 is found by location instead' });
        }
      }
      areas.set(pcode.data, {
        pcode: pcode.data,
        level: level as AdminLevel,
        name: name.slice(0, 200),
        nameAr: text(props, `ADM${level}_AR`)?.slice(0, 200) ?? null,
        nameFr: text(props, `ADM${level}_FR`)?.slice(0, 200) ?? null,
        parentPcode,
        geometry: geometry.data,
        bbox: geometryBbox(geometry.data),
      });
    });
  }

  // An admin 2 file names its admin 1 parents without drawing them: keep them as named areas so
  // that groups still get their admin 1 (from their admin 2), and say so.
  for (const area of [...areas.values()]) {
    const parent = area.parentPcode;
    if (area.level !== 2 || parent === null) continue;
    const existing = areas.get(parent);
    if (existing && existing.level !== 1) {
      problem({ code: 'parent_mismatch', severity: 'error', pcode: area.pcode, message: `its parent ${parent} is not an admin 1 area` });
      continue;
    }
    if (existing) continue;
    const named = namedParents.get(parent);
    areas.set(parent, {
      pcode: parent,
      level: 1,
      name: named?.name ?? parent,
      nameAr: named?.nameAr ?? null,
      nameFr: named?.nameFr ?? null,
      parentPcode: null,
      geometry: null,
      bbox: null,
    });
    problem({ code: 'parent_missing', severity: 'warning', pcode: parent, message: 'admin 1 area named by admin 2 areas but not drawn in these files' });
  }
  if (areas.size === 0 && !problems.some((p) => p.severity === 'error')) {
    problem({ code: 'no_areas', severity: 'error', message: 'no admin 1 or admin 2 area found' });
  }
  if (areas.size > MAX_AREAS) problem({ code: 'too_large', severity: 'error', message: `more than ${MAX_AREAS} areas` });

  const list = [...areas.values()].sort((a, b) => a.level - b.level || (a.pcode < b.pcode ? -1 : a.pcode > b.pcode ? 1 : 0));
  const ok = !problems.some((p) => p.severity === 'error');
  const levels = ([1, 2] as const).map((level) => {
    const at = list.filter((a) => a.level === level);
    return { level, count: at.length, names: at.slice(0, 50).map((a) => a.name), withoutGeometry: at.filter((a) => a.geometry === null).length };
  });
  return {
    areas: ok ? list : [],
    preview: { levels, problems: problems.slice(0, MAX_LISTED), moreProblems: Math.max(0, problems.length - MAX_LISTED), ok },
  };
}
