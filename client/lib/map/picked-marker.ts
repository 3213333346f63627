import { Marker, type GeoJSONSource, type Map as MapLibreMap } from 'maplibre-gl';
import { accuracyCircle } from './group-features';
import { PICKED_ACCURACY_SOURCE } from './group-layers';
import type { PickedPoint } from './types';

/**
 * The point being reported: a pin, and a circle for the accuracy of a device's fix. The pin is a
 * DOM marker built node by node (never from an HTML string), so nothing in it can run as markup.
 */
export class PickedMarker {
  #marker: Marker | null = null;

  /** `label` names the pin for screen readers, in the active language. */
  constructor(private readonly label: string) {}

  /** Shows `point` on the map, or clears it for null. */
  show(instance: MapLibreMap, point: PickedPoint | null): void {
    const accuracy = instance.getSource<GeoJSONSource>(PICKED_ACCURACY_SOURCE);
    if (!point) {
      this.remove();
      void accuracy?.setData({ type: 'FeatureCollection', features: [] });
      return;
    }
    if (this.#marker) this.#marker.setLngLat([point.lon, point.lat]);
    else this.#marker = new Marker({ element: this.#element(), anchor: 'bottom' }).setLngLat([point.lon, point.lat]).addTo(instance);
    void accuracy?.setData(point.accuracyM ? accuracyCircle(point.lat, point.lon, point.accuracyM) : { type: 'FeatureCollection', features: [] });
  }

  remove(): void {
    this.#marker?.remove();
    this.#marker = null;
  }

  #element(): HTMLElement {
    const element = document.createElement('div');
    element.className = 'waymark-picked';
    element.setAttribute('role', 'img');
    element.setAttribute('aria-label', this.label);
    const pin = document.createElement('span');
    pin.className = 'waymark-picked-pin';
    pin.setAttribute('aria-hidden', 'true');
    element.append(pin);
    return element;
  }
}
