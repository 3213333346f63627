import type { AggregateArea } from '../../../shared/aggregate';
import { OUTSIDE_AREA } from '../../../shared/admin-areas/aggregate-areas';

/**
 * How an aggregate area is named on screen: "district, region" or "region" for an admin area,
 * `outside` for groups in none of the loaded areas, and the centre's coordinates for an H3 cell
 * (a crisis without boundaries has no other name for it).
 */
export function areaLabel(area: Pick<AggregateArea, 'area' | 'admin1' | 'admin2' | 'centre'>, outside: string): string {
  if (area.admin2) return area.admin1 ? `${area.admin2.name}, ${area.admin1.name}` : area.admin2.name;
  if (area.admin1) return area.admin1.name;
  if (area.area === OUTSIDE_AREA || !area.centre) return outside;
  return `${area.centre[1].toFixed(1)}, ${area.centre[0].toFixed(1)}`;
}
