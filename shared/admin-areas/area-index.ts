import { geometryPlacement } from './point-in-area';
import type { AdminArea, AdminAreaRef, AdminLevel, GroupAdminAreas } from '../schemas/admin-area.schema';
import { NO_ADMIN_AREAS } from '../schemas/admin-area.schema';

interface Indexed {
  area: AdminArea & { geometry: NonNullable<AdminArea['geometry']>; bbox: NonNullable<AdminArea['bbox']> };
}

const ref = (area: AdminArea): AdminAreaRef => ({ pcode: area.pcode, name: area.name });

/**
 * The admin areas of one crisis, ready to say which ones hold a point.
 *
 * Each lookup first keeps the areas whose bounding box holds the point (a linear scan: a country's
 * admin 2 has at most a few thousand areas, and a box test costs nanoseconds), then runs the exact
 * test on those. A point inside one area belongs to it. A point on a border shared by several
 * areas (or in an overlap, which a clean COD-AB file does not have) goes to the one with the
 * smallest p-code, so the same point always lands in the same area whatever the file's order.
 */
export class AdminAreaIndex {
  readonly #byLevel = new Map<AdminLevel, Indexed[]>();
  readonly #byPcode = new Map<string, AdminArea>();

  constructor(areas: readonly AdminArea[]) {
    for (const area of areas) {
      this.#byPcode.set(area.pcode, area);
      if (!area.geometry || !area.bbox) continue;
      const list = this.#byLevel.get(area.level) ?? [];
      list.push({ area: { ...area, geometry: area.geometry, bbox: area.bbox } });
      this.#byLevel.set(area.level, list);
    }
    // Sorted once so that the first match at each placement is the smallest p-code.
    for (const list of this.#byLevel.values()) list.sort((a, b) => (a.area.pcode < b.area.pcode ? -1 : a.area.pcode > b.area.pcode ? 1 : 0));
  }

  /** How many areas the index holds (with or without geometry). */
  get size(): number {
    return this.#byPcode.size;
  }

  /** The area of `level` holding the point, or null when none does. */
  locateAt(level: AdminLevel, lat: number, lon: number): AdminArea | null {
    let onBorder: AdminArea | null = null;
    for (const { area } of this.#byLevel.get(level) ?? []) {
      const [w, s, e, n] = area.bbox;
      if (lon < w || lon > e || lat < s || lat > n) continue;
      const placement = geometryPlacement(area.geometry, lon, lat);
      if (placement === 'in') return area;
      if (placement === 'on' && onBorder === null) onBorder = area;
    }
    return onBorder;
  }

  /**
   * A group's admin 1 and 2 at a point. Admin 1 is the admin 2's parent when the file names one, so
   * the pair always agrees; otherwise (no admin 2 there, or no parent) it is looked up on its own.
   */
  locate(lat: number, lon: number): GroupAdminAreas {
    if (this.#byPcode.size === 0) return NO_ADMIN_AREAS;
    const admin2 = this.locateAt(2, lat, lon);
    const parent = admin2?.parentPcode ? this.#byPcode.get(admin2.parentPcode) : undefined;
    const admin1 = parent ?? this.locateAt(1, lat, lon);
    return { admin1: admin1 ? ref(admin1) : null, admin2: admin2 ? ref(admin2) : null };
  }
}

/** Whether two groups' admin areas are the same (p-codes and names). */
export function sameAdminAreas(a: GroupAdminAreas, b: GroupAdminAreas): boolean {
  const same = (x: AdminAreaRef | null, y: AdminAreaRef | null) => (x === null ? y === null : y !== null && x.pcode === y.pcode && x.name === y.name);
  return same(a.admin1, b.admin1) && same(a.admin2, b.admin2);
}
