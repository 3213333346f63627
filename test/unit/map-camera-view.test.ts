import { describe, expect, it } from 'vitest';
import { MAP_VIEW_STORAGE_KEY, decimalsOf, maxZoomForPrecision, savedView, saveView } from '../../client/lib/map/camera-view';
import type { Bbox } from '../../shared/schemas/crisis.schema';

const LIBYA: Bbox = [9.3, 19.5, 25.2, 33.2];

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

describe(maxZoomForPrecision.name, () => {
  it('keeps a point rounded to 0.1 degree (about 11 km) at country-to-region zoom, never street zoom', () => {
    const zoom = maxZoomForPrecision(1, 32.9);
    expect(zoom).toBeGreaterThanOrEqual(7);
    expect(zoom).toBeLessThanOrEqual(9);
  });

  it('allows closer zooms for finer rounding, about one step per halving of the cell', () => {
    expect(maxZoomForPrecision(2, 32.9) - maxZoomForPrecision(1, 32.9)).toBe(3);
    expect(maxZoomForPrecision(1, 60)).toBeLessThanOrEqual(maxZoomForPrecision(1, 0));
  });
});

describe(savedView.name, () => {
  it('gives back the view kept for the same crisis area', () => {
    const storage = memoryStorage();
    saveView(LIBYA, { center: [13.19, 32.88], zoom: 11.5, start: 'right' }, storage);
    expect(savedView(LIBYA, storage)).toEqual({ area: LIBYA.join(','), center: [13.19, 32.88], zoom: 11.5, start: 'right' });
  });

  it('ignores a view of another crisis, and a value of another shape', () => {
    const storage = memoryStorage();
    saveView([30, 10, 40, 20], { center: [35, 15], zoom: 6 }, storage);
    expect(savedView(LIBYA, storage)).toBeNull();
    storage.setItem(MAP_VIEW_STORAGE_KEY, JSON.stringify({ area: LIBYA.join(','), center: [500, 0], zoom: 3 }));
    expect(savedView(LIBYA, storage)).toBeNull();
    storage.setItem(MAP_VIEW_STORAGE_KEY, JSON.stringify({ area: LIBYA.join(','), center: [13, 32], zoom: 3, start: 'top' }));
    expect(savedView(LIBYA, storage)).toBeNull();
    storage.setItem(MAP_VIEW_STORAGE_KEY, '{not json');
    expect(savedView(LIBYA, storage)).toBeNull();
  });

  it('still reads a view kept before the side was, without one', () => {
    const storage = memoryStorage();
    storage.setItem(MAP_VIEW_STORAGE_KEY, JSON.stringify({ area: LIBYA.join(','), center: [13, 32], zoom: 3 }));
    expect(savedView(LIBYA, storage)).toEqual({ area: LIBYA.join(','), center: [13, 32], zoom: 3 });
  });
});

describe(decimalsOf.name, () => {
  it('reads the rounding from the coordinates, the finer of the two', () => {
    expect(decimalsOf(32.9, 13.2)).toBe(1);
    expect(decimalsOf(32.9, 13.25)).toBe(2);
    expect(decimalsOf(33, 13)).toBe(0);
  });
});
