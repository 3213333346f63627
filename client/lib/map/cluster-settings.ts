// How the map gathers groups into clusters. Plain numbers in a module of their own, importing
// nothing: the bench's bare MapLibre page clusters its points with the same settings, and runs in
// Node, where the map's other modules (with their Vite-only assets) cannot be loaded.

/** Above this zoom no point is clustered, so a selected point is always visible there. */
export const CLUSTER_MAX_ZOOM = 12;
/** How near (px) points are gathered into one cluster. */
export const CLUSTER_RADIUS = 50;
/** Below this many points the map's own index is quick: no first view (first-view.ts). */
export const FIRST_VIEW_MIN_POINTS = 5_000;
