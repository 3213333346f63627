/** Where this device keeps whether the map draws town names ('off' hides them; anything else shows them). */
export const PLACE_LABELS_STORAGE_KEY = 'waymark.placeLabels';

/** Whether the map draws town names on this device: on unless turned off (the benchmark compares both). */
export function placeLabelsOn(): boolean {
  try {
    return typeof localStorage === 'undefined' || localStorage.getItem(PLACE_LABELS_STORAGE_KEY) !== 'off';
  } catch {
    // Storage refused (private mode): the default.
    return true;
  }
}
