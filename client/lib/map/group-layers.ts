import type { ExpressionSpecification, GeoJSONSourceSpecification, LayerSpecification } from 'maplibre-gl';
import { FONT_BOLD } from './basemap';
import { CLUSTER_MAX_ZOOM, CLUSTER_RADIUS } from './cluster-settings';
import { clusterProperties, ringImageExpression } from './cluster-rings';
import { ATTENTION_COLORS, POINT_OUTLINE_COLOR, statusColorExpression, statusSortKeyExpression } from './group-features';

/** Source and layer ids of the groups, the picked point and its accuracy. */
export const GROUPS_SOURCE = 'groups';
export const PICKED_ACCURACY_SOURCE = 'picked-accuracy';
export const LAYER_CLUSTERS = 'group-clusters';
export const LAYER_CLUSTER_COUNT = 'group-cluster-count';
export const LAYER_CLUSTER_RING = 'group-cluster-ring';
export const LAYER_SELECTED = 'group-selected';
export const LAYER_POINTS = 'group-points';
export const LAYER_ATTENTION = 'group-attention';

export const CLUSTER_COLORS = { fill: '#F5F7FA', outline: POINT_OUTLINE_COLOR, text: POINT_OUTLINE_COLOR } as const;
export const SELECTED_COLOR = '#FFC20A';

const isSelected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false];
const isPending: ExpressionSpecification = ['==', ['get', 'pending'], true];

/** Point radius: grows with the square root of the headcount, so area tracks people. */
const pointRadius: ExpressionSpecification = ['interpolate', ['linear'], ['sqrt', ['coalesce', ['get', 'people'], 1]], 1, 5, 10, 8, 32, 12];

/** The clustered source of groups. Ids are promoted from `properties.id` for feature-state. */
export function groupsSourceSpec(): GeoJSONSourceSpecification {
  return {
    type: 'geojson',
    data: { type: 'FeatureCollection', features: [] },
    cluster: true,
    clusterRadius: CLUSTER_RADIUS,
    clusterMaxZoom: CLUSTER_MAX_ZOOM,
    clusterProperties: clusterProperties(),
    promoteId: 'id',
  };
}

/** The source of the picked point's accuracy circle. */
export function pickedAccuracySourceSpec(): GeoJSONSourceSpecification {
  return { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
}

/** The group layers, bottom to top, to add above any basemap. */
export function groupLayerSpecs(): LayerSpecification[] {
  return [
    {
      id: 'picked-accuracy-fill',
      type: 'fill',
      source: PICKED_ACCURACY_SOURCE,
      paint: { 'fill-color': '#0072B2', 'fill-opacity': 0.12 },
    },
    {
      id: 'picked-accuracy-line',
      type: 'line',
      source: PICKED_ACCURACY_SOURCE,
      paint: { 'line-color': '#0072B2', 'line-width': 1.5, 'line-dasharray': [2, 2] },
    },
    {
      id: LAYER_CLUSTERS,
      type: 'circle',
      source: GROUPS_SOURCE,
      filter: ['has', 'point_count'],
      paint: {
        'circle-color': CLUSTER_COLORS.fill,
        'circle-radius': ['step', ['get', 'point_count'], 14, 10, 17, 100, 21, 1000, 26],
        'circle-stroke-color': CLUSTER_COLORS.outline,
        'circle-stroke-width': 2,
      },
    },
    {
      // The mix of statuses around each cluster, and its attention dot (see cluster-rings.ts).
      id: LAYER_CLUSTER_RING,
      type: 'symbol',
      source: GROUPS_SOURCE,
      filter: ['has', 'point_count'],
      layout: {
        'icon-image': ringImageExpression(),
        // The ring's outer edge 3 px outside the disc (radius 16 px at size 1).
        'icon-size': ['step', ['get', 'point_count'], 17 / 16, 10, 20 / 16, 100, 24 / 16, 1000, 29 / 16],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
    },
    {
      id: LAYER_CLUSTER_COUNT,
      type: 'symbol',
      source: GROUPS_SOURCE,
      filter: ['has', 'point_count'],
      layout: {
        'text-field': ['get', 'point_count_abbreviated'],
        'text-font': [FONT_BOLD],
        'text-size': 12,
        // A count hidden by collision would leave an empty disc; the discs never overlap anyway.
        'text-allow-overlap': true,
        'text-ignore-placement': true,
      },
      paint: { 'text-color': CLUSTER_COLORS.text },
    },
    {
      // A ring drawn under the selected point only; feature-state, so selecting rebuilds nothing.
      id: LAYER_SELECTED,
      type: 'circle',
      source: GROUPS_SOURCE,
      filter: ['!', ['has', 'point_count']],
      paint: {
        'circle-radius': ['+', pointRadius, 6],
        'circle-color': SELECTED_COLOR,
        'circle-stroke-color': POINT_OUTLINE_COLOR,
        'circle-stroke-width': 1.5,
        'circle-opacity': ['case', isSelected, 1, 0],
        'circle-stroke-opacity': ['case', isSelected, 1, 0],
      },
    },
    {
      // A ring around points that need a coordinator: orange when a need has nobody, thick red when late.
      id: LAYER_ATTENTION,
      type: 'circle',
      source: GROUPS_SOURCE,
      filter: ['all', ['!', ['has', 'point_count']], ['has', 'attention']],
      paint: {
        'circle-radius': ['+', pointRadius, 3],
        'circle-opacity': 0,
        'circle-stroke-color': ['match', ['get', 'attention'], 'overdue', ATTENTION_COLORS.overdue, ATTENTION_COLORS.unassigned],
        'circle-stroke-width': ['match', ['get', 'attention'], 'overdue', 4, 2.5],
      },
    },
    {
      id: LAYER_POINTS,
      type: 'circle',
      source: GROUPS_SOURCE,
      filter: ['!', ['has', 'point_count']],
      layout: { 'circle-sort-key': statusSortKeyExpression() },
      paint: {
        'circle-radius': pointRadius,
        // Pending: hollow, ringed in its status colour, so it reads as "not yet sent".
        'circle-color': ['case', isPending, '#FFFFFF', statusColorExpression()],
        'circle-stroke-color': ['case', isPending, statusColorExpression(), POINT_OUTLINE_COLOR],
        'circle-stroke-width': ['case', isPending, 3, 1],
      },
    },
  ];
}
