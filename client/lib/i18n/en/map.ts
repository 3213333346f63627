/** Messages of the map, its legend and its controls. Keys are `map.thing`. */
export default {
  'map.label': 'Map of reported groups',
} as const;
