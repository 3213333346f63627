import { cellToBoundary, cellToLatLng, latLngToCell } from 'h3-js';
import type { AreaIndex } from '../../shared/aggregate';

/** H3 resolution 5: hexagons of about 253 km², the area an embassy's counts are given for. */
export const AGGREGATE_H3_RESOLUTION = 5;

/** Areas as H3 cells; outlines and centres as [lon, lat] (GeoJSON order). */
export const h3AreaIndex: AreaIndex = {
  areaOf: (lat, lon) => latLngToCell(lat, lon, AGGREGATE_H3_RESOLUTION),
  outlineOf: (cell) => cellToBoundary(cell, true).map(([lon, lat]) => [round(lon), round(lat)]),
  centreOf: (cell) => {
    const [lat, lon] = cellToLatLng(cell);
    return [round(lon), round(lat)];
  },
};

/** Four decimals (~11 m) is plenty for a 250 km² outline. */
const round = (x: number) => Math.round(x * 1e4) / 1e4;
