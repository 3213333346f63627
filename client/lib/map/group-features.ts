import type { Feature, FeatureCollection, Point, Polygon } from 'geojson';
import type { Bbox } from '../../../shared/schemas/crisis.schema';
import { isOverdue } from '../../../shared/assignment-workflow';
import { OPEN_STATUSES } from '../../../shared/group-status';
import { needIsTaken } from '../../../shared/need-assignment';
import { GROUP_STATUSES, type GroupStatus } from '../../../shared/schemas/group.schema';
import type { PointView } from '../../../shared/packed-views';
import type { HeldView } from '../sync/held-view';

// Pure map math: records in, GeoJSON and style values out. Nothing here imports MapLibre, so the
// list view can share the colours and the rules can be unit-tested without a browser.

/** The few properties a point carries to the map's worker; everything else stays in the app. */
export interface GroupFeatureProperties {
  /** The group's id, promoted to the feature id (`promoteId: 'id'`) for feature-state. */
  id: string;
  status: GroupStatus;
  /** People in the group; null for a reduced view, which carries no counts. */
  people: number | null;
  /** True while the group waits in the outbox: drawn hollow. */
  pending: boolean;
  /** Only on a coordinator's map: ringed when a need has nobody, or an agency is late. */
  attention?: Attention;
}

/** Why a coordinator's map rings a point: an open need nobody has, or an assignment past its time. */
export type Attention = 'unassigned' | 'overdue';
/** Ring colours: Okabe-Ito orange for "nobody has it", the danger red (thicker) for "late". */
export const ATTENTION_COLORS: Readonly<Record<Attention, string>> = { unassigned: '#E69F00', overdue: '#B3261E' };

/**
 * What needs a coordinator's eye in an open group (overdue first); null for everything else. A
 * summary carries the needs and assignments this reads, so a summary is ringed as its full group is.
 */
export function attentionOf(view: PointView, now: number): Attention | null {
  switch (view.view) {
    case 'reduced':
    case 'nationals':
      return null;
    case 'full':
    case 'summary': {
      const g = view.group;
      if (!OPEN_STATUSES.includes(g.status)) return null;
      if (g.assignments.some((a) => isOverdue(a, now))) return 'overdue';
      return g.needs.some((n) => n.status === 'open' && !needIsTaken(g.assignments, n)) ? 'unassigned' : null;
    }
  }
}

export type GroupFeature = Feature<Point, GroupFeatureProperties>;
export type GroupFeatureCollection = FeatureCollection<Point, GroupFeatureProperties>;

/**
 * Colour of each status, shared by the map's points, the legend and the list's dots.
 *
 * Chosen from the Okabe-Ito and Paul Tol palettes, darkened or lightened so that every pair stays
 * apart (CIE76 distance of at least 10) under simulated protanopia, deuteranopia and tritanopia;
 * the unit test checks this. Warm colours are groups that still need someone (reported, verified),
 * blue and green are help under way or given, violets are people moved, greys are inactive.
 * A colour alone never carries meaning: the legend and the list name every status.
 */
export const STATUS_COLORS: Readonly<Record<GroupStatus, string>> = {
  reported: '#D55E00',
  verified: '#AA3377',
  assistance_in_progress: '#0072B2',
  assisted: '#007A5E',
  relocated: '#332288',
  evacuated: '#56A0D3',
  returned: '#9370DB',
  closed: '#858585',
  duplicate: '#C4C4C4',
  unreachable: '#1A1A1A',
};

/** Drawn for a status the table does not know (a newer server); never expected. */
export const UNKNOWN_STATUS_COLOR = '#FF00FF';

/**
 * The ring around every point and cluster. Light status colours (evacuated, duplicate) are too
 * close to the land to see on their own; this ring keeps at least 3:1 against land, host country
 * and sea, so every point is visible whatever its colour.
 */
export const POINT_OUTLINE_COLOR = '#1F2933';

/** Which points are drawn on top when they overlap: those that still need someone. */
export const STATUS_DRAW_ORDER: Readonly<Record<GroupStatus, number>> = {
  duplicate: 0,
  closed: 1,
  returned: 2,
  evacuated: 3,
  relocated: 4,
  assisted: 5,
  assistance_in_progress: 6,
  verified: 7,
  unreachable: 8,
  reported: 9,
};

/** A MapLibre `match` on the `status` property: `[match, input, label, output, ..., fallback]`. */
export type StatusMatchExpression<T extends string | number> = ['match', ['get', 'status'], string, T, ...(string | T)[], T];

function matchOnStatus<T extends string | number>(table: Readonly<Record<GroupStatus, T>>, fallback: T): StatusMatchExpression<T> {
  const [first, ...rest] = GROUP_STATUSES;
  return ['match', ['get', 'status'], first, table[first], ...rest.flatMap((s): (string | T)[] => [s, table[s]]), fallback];
}

/** The `circle-color` expression of the points, built from STATUS_COLORS. */
export function statusColorExpression(): StatusMatchExpression<string> {
  return matchOnStatus(STATUS_COLORS, UNKNOWN_STATUS_COLOR);
}

/** The `circle-sort-key` expression: higher keys are drawn on top. */
export function statusSortKeyExpression(): StatusMatchExpression<number> {
  return matchOnStatus(STATUS_DRAW_ORDER, -1);
}

/** One row of the legend; `labelKey` is a message key in the `map` catalogue. */
export interface StatusLegendEntry {
  status: GroupStatus;
  color: string;
  labelKey: `map.status.${GroupStatus}`;
}

/** The legend's status rows, in the order the workflow moves through them. */
export const STATUS_LEGEND: readonly StatusLegendEntry[] = GROUP_STATUSES.map((status) => ({
  status,
  color: STATUS_COLORS[status],
  labelKey: `map.status.${status}` as const,
}));

/** How many people this user is told about: the group's, an embassy's nationals, or none for a point. */
export function peopleOf(view: PointView): number | null {
  switch (view.view) {
    case 'full':
    case 'summary':
      return view.group.headcount.total;
    case 'nationals':
      return view.group.nationals;
    case 'reduced':
      return null;
  }
}

/** Where a group is, whichever view of it this user receives. */
export function positionOf(view: PointView): { lat: number; lon: number } {
  switch (view.view) {
    case 'reduced':
      return view.group;
    case 'full':
    case 'summary':
    case 'nationals':
      return view.group.location;
  }
}

/**
 * One group as a map point. Every value is copied out as a primitive into a new object, so a
 * Svelte `$state` proxy in the input never reaches MapLibre, whose worker cannot clone proxies.
 */
export function groupToFeature(view: PointView, pending: boolean, attentionAt?: number): GroupFeature | null {
  const { lat, lon } = positionOf(view);
  // A point without a finite position would poison the whole cluster index; drop it instead.
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  const id = view.group.id;
  const attention = attentionAt === undefined ? null : attentionOf(view, attentionAt);
  return {
    type: 'Feature',
    id,
    // RFC 7946: longitude first.
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: {
      id,
      status: view.group.status,
      people: peopleOf(view),
      pending,
      ...(attention ? { attention } : {}),
    },
  };
}

/** Every group this user may see, as one FeatureCollection for the clustered source. */
export function groupsToFeatureCollection(
  groups: ReadonlyMap<string, HeldView>,
  pendingIds: ReadonlySet<string> = new Set(),
  /** The clock for "overdue"; when absent (every role but the coordinator) no point is ringed. */
  attentionAt?: number,
): GroupFeatureCollection {
  return pointsToFeatureCollection(groups.values(), pendingIds, attentionAt);
}

/** The same, of views in order (a first snapshot's points, `decodeViewPoints`). */
export function pointsToFeatureCollection(
  views: Iterable<PointView>,
  pendingIds: ReadonlySet<string> = new Set(),
  attentionAt?: number,
): GroupFeatureCollection {
  const features: GroupFeature[] = [];
  for (const view of views) {
    const feature = groupToFeature(view, pendingIds.has(view.group.id), attentionAt);
    if (feature) features.push(feature);
  }
  return { type: 'FeatureCollection', features };
}

/** Whether two features of one group draw the same: place, status, people, hollow, ring. */
function drawsTheSame(a: GroupFeature, b: GroupFeature): boolean {
  const [ax, ay] = a.geometry.coordinates;
  const [bx, by] = b.geometry.coordinates;
  const p = a.properties;
  const q = b.properties;
  return ax === bx && ay === by && p.status === q.status && p.people === q.people && p.pending === q.pending && p.attention === q.attention;
}

/**
 * What to send so that a source holding `drawn` (by id) holds `features` instead: the features that
 * are new or draw differently, and the ids no longer among them. Null when more than `max` differ
 * (sending everything is then cheaper).
 */
export function featuresDiffer(
  drawn: ReadonlyMap<string, GroupFeature>,
  features: readonly GroupFeature[],
  max: number,
): { add: GroupFeature[]; remove: string[] } | null {
  const add: GroupFeature[] = [];
  let kept = 0;
  for (const feature of features) {
    const before = drawn.get(feature.properties.id);
    if (before !== undefined) kept++;
    if (before !== undefined && drawsTheSame(before, feature)) continue;
    add.push(feature);
    if (add.length > max) return null;
  }
  const remove: string[] = [];
  if (kept < drawn.size) {
    const now = new Set(features.map((feature) => feature.properties.id));
    for (const id of drawn.keys()) if (!now.has(id)) remove.push(id);
  }
  return add.length + remove.length > max ? null : { add, remove };
}

/** What the map's source holds for one group: the view its feature was made from, and how it was drawn. */
export interface DrawnPoint {
  view: HeldView;
  pending: boolean;
  attention: Attention | null;
}

/** The changes `featureChanges` found: features to add or replace, ids to remove, and the drawn state after. */
export interface FeatureChanges {
  /** Features to add; an added feature replaces the one with its id. */
  add: GroupFeature[];
  remove: string[];
  /** Each id whose drawn state changed, with its new state (null: no longer drawn). */
  drawn: [string, DrawnPoint | null][];
}

/**
 * What changed among `ids` between what is drawn and the groups now: their view (a changed group is
 * a new view object), whether they wait in the outbox, and their attention ring at `attentionAt`.
 * The caller passes the ids a batch touched (or every id, after a clock tick), so a batch costs its
 * own size, not the crisis's. Null when more than `max` features changed (sending everything is
 * then cheaper).
 */
export function featureChanges(
  drawn: ReadonlyMap<string, DrawnPoint>,
  groups: ReadonlyMap<string, HeldView>,
  ids: Iterable<string>,
  pendingIds: ReadonlySet<string>,
  attentionAt: number | undefined,
  max: number,
): FeatureChanges | null {
  const add: GroupFeature[] = [];
  const remove: string[] = [];
  const next: [string, DrawnPoint | null][] = [];
  for (const id of ids) {
    const view = groups.get(id);
    const before = drawn.get(id);
    const feature = view === undefined ? null : pointIfChanged(view, before, pendingIds.has(id), attentionAt);
    if (feature === undefined) continue;
    if (feature !== null) {
      add.push(feature);
      next.push([id, { view: view!, pending: feature.properties.pending, attention: feature.properties.attention ?? null }]);
    } else if (before !== undefined) {
      remove.push(id);
      next.push([id, null]);
    } else continue;
    if (add.length + remove.length > max) return null;
  }
  return { add, remove, drawn: next };
}

/** The feature of a view when it differs from what is drawn; undefined when it does not; null when it cannot be drawn. */
function pointIfChanged(view: HeldView, before: DrawnPoint | undefined, pending: boolean, attentionAt: number | undefined): GroupFeature | null | undefined {
  if (before !== undefined && before.view === view && before.pending === pending) {
    const attention = attentionAt === undefined ? null : attentionOf(view, attentionAt);
    if (before.attention === attention) return undefined;
  }
  return groupToFeature(view, pending, attentionAt);
}

/** A bbox as MapLibre's `[[west, south], [east, north]]` bounds, as a new plain array. */
export function bboxToBounds(bbox: Bbox): [[number, number], [number, number]] {
  const [west, south, east, north] = bbox;
  return [
    [west, south],
    [east, north],
  ];
}

const EARTH_RADIUS_M = 6_371_008.8;

/**
 * A circle of `radiusM` metres around a point, as a polygon of `steps` vertices, to draw the
 * accuracy of a device's fix. Geodesic (destination-point formula), so it stays true away from
 * the equator where a circle in degrees would not.
 */
export function accuracyCircle(lat: number, lon: number, radiusM: number, steps = 64): Feature<Polygon> {
  const lat1 = (lat * Math.PI) / 180;
  const lon1 = (lon * Math.PI) / 180;
  const angular = radiusM / EARTH_RADIUS_M;
  const ring: [number, number][] = [];
  for (let i = 0; i < steps; i++) {
    const bearing = (2 * Math.PI * i) / steps;
    const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing));
    const lon2 = lon1 + Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2));
    ring.push([(((lon2 * 180) / Math.PI + 540) % 360) - 180, (lat2 * 180) / Math.PI]);
  }
  ring.push(ring[0]!);
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } };
}
