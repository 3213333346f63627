import type { Bbox } from '../../../shared/schemas/crisis.schema';

// Where the map opens and how close it may go: pure rules and this device's memory of the view,
// kept apart from the component so they can be tested without a browser.

/** Where this device keeps the last view of the map (centre and zoom), per crisis area. */
export const MAP_VIEW_STORAGE_KEY = 'waymark.mapView';

export interface SavedView {
  /** The crisis area it was taken in: a view of another crisis is not reused. */
  area: string;
  center: [number, number];
  zoom: number;
  /**
   * The map's inline-start side when it was taken, where the open legend sits: a view taken in
   * one direction is moved sideways when the map opens in the other (GroupMap), so the legend
   * does not cover what it left free. Absent in views kept before it was.
   */
  start?: 'left' | 'right';
}

const areaKey = (area: Bbox): string => area.join(',');

function isSavedView(value: unknown): value is SavedView {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<SavedView>;
  return (
    typeof v.area === 'string' &&
    Array.isArray(v.center) &&
    v.center.length === 2 &&
    v.center.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    Math.abs(v.center[0]) <= 180 &&
    Math.abs(v.center[1]) <= 90 &&
    typeof v.zoom === 'number' &&
    v.zoom >= 0 &&
    v.zoom <= 24 &&
    (v.start === undefined || v.start === 'left' || v.start === 'right')
  );
}

/** The view this device last had of this crisis's map, if any and if it still reads as one. */
export function savedView(area: Bbox, storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): SavedView | null {
  try {
    const value: unknown = JSON.parse(storage?.getItem(MAP_VIEW_STORAGE_KEY) ?? 'null');
    return isSavedView(value) && value.area === areaKey(area) ? value : null;
  } catch {
    // Storage refused or a value of another shape: open on the crisis area instead.
    return null;
  }
}

/** Keeps the current view for next time (a reload, a language switch); quietly does nothing if refused. */
export function saveView(area: Bbox, view: Omit<SavedView, 'area'>, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(MAP_VIEW_STORAGE_KEY, JSON.stringify({ area: areaKey(area), ...view } satisfies SavedView));
  } catch {
    // Not kept: the map opens on the crisis area next time.
  }
}

/** Web Mercator metres per pixel at zoom 0 on the equator (512 px tiles, as MapLibre draws). */
const METRES_PER_PX_Z0 = 78_271.517;
/** A rounded point's cell spans at least this many pixels at the closest zoom it is shown at. */
const MIN_CELL_PX = 64;

/**
 * The closest zoom for a point rounded to `decimals` decimal places of a degree: past it the cell
 * the group is somewhere in would be wider than the screen shows, and the point would claim a
 * precision it does not have (a responder's rounded point "in the sea").
 */
export function maxZoomForPrecision(decimals: number, lat: number): number {
  const cellM = 111_320 * 10 ** -decimals;
  const metresPerPx = cellM / MIN_CELL_PX;
  return Math.floor(Math.log2((METRES_PER_PX_Z0 * Math.cos((lat * Math.PI) / 180)) / metresPerPx));
}

/**
 * How many decimal places a rounded point was given, read from its coordinates: a reduced view
 * does not say which rounding its audience gets. A value that ends in 0 reads as coarser, which
 * errs towards showing less.
 */
export function decimalsOf(...values: number[]): number {
  let most = 0;
  for (const value of values) {
    const text = String(value);
    const dot = text.indexOf('.');
    if (dot !== -1 && !text.includes('e')) most = Math.max(most, text.length - dot - 1);
  }
  return most;
}
