import type { ExpressionSpecification, LayerSpecification, GeoJSONSourceSpecification } from 'maplibre-gl';
import type { FeatureCollection, Point } from 'geojson';
import { SITE_KINDS, SITE_STATUSES, type Site, type SiteKind, type SiteStatus } from '../../../shared/schemas/site.schema';
import { fillBand, fillLevel, siteAlerts, type FillBand } from '../../../shared/sites';
import { paintImage } from './memory-canvas';

// Sites on the map (issue 20): one symbol per site, drawn on a canvas (no online sprite): the
// shape says the type, the tile's colour the status, and a ring around it how full the site is
// (its share of a turn, coloured by band). An image per combination is drawn the first time
// MapLibre asks for it, like the clusters' rings (cluster-rings.ts).

export const SITES_SOURCE = 'sites';
export const LAYER_SITES = 'site-symbols';
/** The red halo under a site on the alert list, drawn beneath its symbol. */
export const LAYER_SITE_ALERTS = 'site-alert-halos';
/** The halo's colour: the same red as "over capacity" and "unsafe". */
export const SITE_ALERT_COLOR = '#B8001F';
/** Every site image id starts so; the rest names type, status, band and the ring's share. */
export const SITE_IMAGE_PREFIX = 'site';
/** The ring's share is rounded to tenths: enough to read at a glance, few images. */
const FILL_STEPS = 10;

/** Status colours (colour-blind safe, from the same palette as the groups'). */
export const SITE_STATUS_COLORS: Readonly<Record<SiteStatus, string>> = {
  open: '#0072B2',
  full: '#E69F00',
  closed: '#6B7280',
  unsafe: '#B8001F',
};
/** Ring colours by fill band. */
export const FILL_COLORS: Readonly<Record<FillBand, string>> = {
  unknown: '#9CA3AF',
  room: '#009E73',
  nearly_full: '#E69F00',
  full: '#D55E00',
  over: '#B8001F',
};

/** The image a site is drawn with: "site:shelter:open:room:4". */
export function siteImageId(site: Pick<Site, 'type' | 'status' | 'capacity' | 'occupancy'>): string {
  const level = fillLevel(site);
  const share = level === null ? 0 : Math.min(FILL_STEPS, Math.ceil(Math.min(1, level) * FILL_STEPS));
  return [SITE_IMAGE_PREFIX, site.type, site.status, fillBand(site), share].join(':');
}

/** A site image id read back; null for any other id. */
export function parseSiteImageId(id: string): { type: SiteKind; status: SiteStatus; band: FillBand; share: number } | null {
  const [prefix, type, status, band, share] = id.split(':');
  if (prefix !== SITE_IMAGE_PREFIX || !type || !status || !band || share === undefined) return null;
  if (!(SITE_KINDS as readonly string[]).includes(type) || !(SITE_STATUSES as readonly string[]).includes(status) || !(band in FILL_COLORS)) return null;
  const n = Number(share);
  if (!Number.isInteger(n) || n < 0 || n > FILL_STEPS) return null;
  return { type: type as SiteKind, status: status as SiteStatus, band: band as FillBand, share: n };
}

export interface SiteProperties {
  id: string;
  name: string;
  icon: string;
  /** Whether the site is on the coordinator's alert list (drawn larger, on a red halo). */
  alert: boolean;
}

/** The sites as GeoJSON points, in a stable order (by id). */
export function sitesToFeatureCollection(sites: ReadonlyMap<string, Site>): FeatureCollection<Point, SiteProperties> {
  return {
    type: 'FeatureCollection',
    features: [...sites.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((site) => ({
        type: 'Feature',
        id: site.id,
        geometry: { type: 'Point', coordinates: [site.location.lon, site.location.lat] },
        properties: { id: site.id, name: site.name, icon: siteImageId(site), alert: siteAlerts(site).length > 0 },
      })),
  };
}

export const sitesSourceSpec = (): GeoJSONSourceSpecification => ({ type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'id' });

/**
 * The site symbols: above the groups' points, always drawn (a site hides no group: it is small and
 * offset up). A site on the alert list (over capacity, or unsafe or closed with people in it) sits
 * on a red halo, wide enough at country zoom for a coordinator to see it among the clusters: the
 * symbol alone is 24 px there, and its ring's red is a thin arc.
 */
export function siteLayerSpecs(): LayerSpecification[] {
  // The image is 32 px across (64 at pixelRatio 2); an alert site a little larger, all smaller at country zoom.
  const size: ExpressionSpecification = ['case', ['get', 'alert'], 1.15, 0.95];
  return [
    {
      id: LAYER_SITE_ALERTS,
      type: 'circle',
      source: SITES_SOURCE,
      filter: ['==', ['get', 'alert'], true],
      paint: {
        // Centred on the symbol, which is anchored at its bottom edge: shifted up by half its height.
        'circle-translate': [0, -15],
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 19, 10, 24],
        'circle-color': SITE_ALERT_COLOR,
        'circle-opacity': 0.3,
        'circle-stroke-color': SITE_ALERT_COLOR,
        'circle-stroke-width': 3,
      },
    },
    {
      id: LAYER_SITES,
      type: 'symbol',
      source: SITES_SOURCE,
      layout: {
        'icon-image': ['get', 'icon'],
        'icon-size': ['interpolate', ['linear'], ['zoom'], 4, ['*', 0.75, size], 10, size],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'icon-anchor': 'bottom',
      },
    },
  ];
}

/** Image size in pixels (drawn at pixelRatio 2). */
export const SITE_IMAGE_SIZE = 64;

/** Draws a site's symbol for `id` on a canvas, or null for another id (or where there is no canvas). */
export function drawSiteImage(id: string): ImageData | null {
  const parsed = parseSiteImageId(id);
  return parsed ? paintImage(SITE_IMAGE_SIZE, (ctx) => paintSite(ctx, parsed)) : null;
}

/** A small picture of a type's symbol (open, with room) for the legend and lists, as a data URL. */
export function siteSymbolUrl(type: SiteKind, status: SiteStatus = 'open', band: FillBand = 'room', share = 4): string {
  if (typeof document === 'undefined') return '';
  const canvas = document.createElement('canvas');
  canvas.width = SITE_IMAGE_SIZE;
  canvas.height = SITE_IMAGE_SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) return '';
  paintSite(ctx, { type, status, band, share });
  return canvas.toDataURL('image/png');
}

function paintSite(ctx: CanvasRenderingContext2D, s: { type: SiteKind; status: SiteStatus; band: FillBand; share: number }): void {
  const c = SITE_IMAGE_SIZE / 2;
  // The ring: a grey track, then the filled share from north, clockwise.
  ctx.lineWidth = 6;
  ctx.strokeStyle = '#ffffff';
  ctx.beginPath();
  ctx.arc(c, c, 27, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.lineWidth = 5;
  ctx.strokeStyle = '#D1D5DB';
  ctx.beginPath();
  ctx.arc(c, c, 27, 0, 2 * Math.PI);
  ctx.stroke();
  if (s.share > 0) {
    ctx.strokeStyle = FILL_COLORS[s.band];
    ctx.beginPath();
    ctx.arc(c, c, 27, -Math.PI / 2, -Math.PI / 2 + (s.share / FILL_STEPS) * 2 * Math.PI);
    ctx.stroke();
  }
  // The tile: the status colour, a white outline.
  ctx.fillStyle = SITE_STATUS_COLORS[s.status];
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 2.5;
  roundedSquare(ctx, c - 18, c - 18, 36, 6);
  ctx.fill();
  ctx.stroke();
  // The type's glyph, in white.
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 3;
  GLYPHS[s.type](ctx, c);
  if (s.status === 'closed' || s.status === 'unsafe') {
    // A diagonal bar: readable without colour.
    ctx.strokeStyle = '#1f2933';
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(c - 16, c + 16);
    ctx.lineTo(c + 16, c - 16);
    ctx.stroke();
  }
}

function roundedSquare(ctx: CanvasRenderingContext2D, x: number, y: number, size: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + size, y, x + size, y + size, r);
  ctx.arcTo(x + size, y + size, x, y + size, r);
  ctx.arcTo(x, y + size, x, y, r);
  ctx.arcTo(x, y, x + size, y, r);
  ctx.closePath();
}

/** One glyph per type: a house, arrows through, people gathering, a barrier, bars, a cross, a parcel. */
const GLYPHS: Readonly<Record<SiteKind, (ctx: CanvasRenderingContext2D, c: number) => void>> = {
  shelter: (ctx, c) => {
    ctx.beginPath();
    ctx.moveTo(c - 11, c);
    ctx.lineTo(c, c - 11);
    ctx.lineTo(c + 11, c);
    ctx.lineTo(c + 7, c);
    ctx.lineTo(c + 7, c + 10);
    ctx.lineTo(c - 7, c + 10);
    ctx.lineTo(c - 7, c);
    ctx.closePath();
    ctx.fill();
  },
  transit_centre: (ctx, c) => {
    ctx.beginPath();
    ctx.moveTo(c - 11, c);
    ctx.lineTo(c + 8, c);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(c + 11, c);
    ctx.lineTo(c + 3, c - 7);
    ctx.lineTo(c + 3, c + 7);
    ctx.closePath();
    ctx.fill();
  },
  assembly_point: (ctx, c) => {
    for (const [dx, dy] of [
      [-7, -4],
      [7, -4],
      [0, 5],
    ] as const) {
      ctx.beginPath();
      ctx.arc(c + dx, c + dy, 4.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  },
  border_crossing: (ctx, c) => {
    ctx.beginPath();
    ctx.moveTo(c - 10, c - 10);
    ctx.lineTo(c - 10, c + 11);
    ctx.stroke();
    ctx.fillRect(c - 10, c - 5, 22, 6);
  },
  detention_centre: (ctx, c) => {
    for (const dx of [-8, -2.5, 2.5, 8]) {
      ctx.beginPath();
      ctx.moveTo(c + dx, c - 11);
      ctx.lineTo(c + dx, c + 11);
      ctx.stroke();
    }
  },
  health_facility: (ctx, c) => {
    ctx.fillRect(c - 3.5, c - 11, 7, 22);
    ctx.fillRect(c - 11, c - 3.5, 22, 7);
  },
  distribution_point: (ctx, c) => {
    ctx.fillRect(c - 10, c - 6, 20, 16);
    ctx.beginPath();
    ctx.moveTo(c - 12, c - 6);
    ctx.lineTo(c, c - 12);
    ctx.lineTo(c + 12, c - 6);
    ctx.closePath();
    ctx.fill();
  },
};
