import type { Place } from './places';

/** A place someone asked the map to show; `seq` makes asking for the same place twice a new request. */
export interface FocusRequest {
  place: Place;
  seq: number;
}

/**
 * The place the map should fly to. The search box and the map are mounted apart (the box by each
 * view, the map by the workspace), and a screen has one map: this carries the request between them.
 */
class PlaceFocus {
  request = $state.raw<FocusRequest | null>(null);
  #seq = 0;

  go(place: Place): void {
    this.request = { place, seq: ++this.#seq };
  }
}

export const placeFocus = new PlaceFocus();

/** The zoom a found place is shown at: a city whole, a village closer. */
export function placeZoom(place: Place): number {
  if (place.population >= 100_000) return 11;
  if (place.population >= 20_000) return 12;
  return 13;
}

/** How far (m) the centre of a place may be from a spot in it: what a location set from a place is accurate to. */
export function placeRadiusM(place: Place): number {
  if (place.population >= 100_000) return 5_000;
  if (place.population >= 20_000) return 2_000;
  return 1_000;
}
