import type { ExpressionSpecification } from 'maplibre-gl';
import { GROUP_STATUSES, type GroupStatus } from '../../../shared/schemas/group.schema';
import { ATTENTION_COLORS, POINT_OUTLINE_COLOR, STATUS_COLORS } from './group-features';
import { paintImage } from './memory-canvas';

// What a cluster says at country zoom: a ring split by the statuses of the groups inside it, and
// a dot when some of them need a coordinator (an open need nobody has: orange; a late agency: red).
// The clustered source sums the statuses as it builds its index (clusterProperties); the ring is
// an image per mix, drawn on a canvas the first time MapLibre asks for it (styleimagemissing).

/** Parts of the ring: a mix is rounded up to twelfths, so a status present shows as at least a sliver. */
export const RING_PARTS = 12;
/** Every ring image id starts so; the rest is the mix and the attention mark. */
export const RING_IMAGE_PREFIX = 'cluster-ring';
/** Drawn this many image pixels across (at pixelRatio 2); MapLibre scales it to the cluster. */
export const RING_IMAGE_RADIUS = 40;
/** The ring's outer radius and width, in image pixels. */
const RING_OUTER = 32;
const RING_WIDTH = 7;

/** The name of a cluster's sum of one status: `s_reported`, ... */
export const statusKey = (status: GroupStatus) => `s_${status}` as const;

/** The sums each cluster carries: how many of its groups are in each status, and need attention. */
export function clusterProperties(): Record<string, [string, ExpressionSpecification]> {
  // Each is [reduce operator, map expression]: '+' adds up what the expression gives per group.
  const sums: Record<string, [string, ExpressionSpecification]> = {};
  for (const status of GROUP_STATUSES) sums[statusKey(status)] = ['+', ['case', ['==', ['get', 'status'], status], 1, 0]];
  sums.att_unassigned = ['+', ['case', ['==', ['get', 'attention'], 'unassigned'], 1, 0]];
  sums.att_overdue = ['+', ['case', ['==', ['get', 'attention'], 'overdue'], 1, 0]];
  return sums;
}

/** The image a cluster is drawn with, named by its mix: "cluster-ring-3-0-9-…:u". */
export function ringImageExpression(): ExpressionSpecification {
  const parts: ExpressionSpecification[] = GROUP_STATUSES.map((status) => [
    'concat',
    '-',
    ['to-string', ['ceil', ['*', RING_PARTS, ['/', ['get', statusKey(status)], ['max', 1, ['get', 'point_count']]]]]],
  ]);
  const mark: ExpressionSpecification = ['case', ['>', ['get', 'att_overdue'], 0], 'o', ['>', ['get', 'att_unassigned'], 0], 'u', 'n'];
  return ['concat', RING_IMAGE_PREFIX, ...parts, ':', mark];
}

export type RingMark = 'none' | 'unassigned' | 'overdue';

/** A ring image id read back: the parts per status (in GROUP_STATUSES order) and the mark; null for another id. */
export function parseRingId(id: string): { parts: number[]; mark: RingMark } | null {
  const match = new RegExp(`^${RING_IMAGE_PREFIX}((?:-\\d+){${GROUP_STATUSES.length}}):([nuo])$`).exec(id);
  if (!match) return null;
  const parts = match[1]!.slice(1).split('-').map(Number);
  if (parts.every((p) => p === 0)) return null;
  return { parts, mark: match[2] === 'o' ? 'overdue' : match[2] === 'u' ? 'unassigned' : 'none' };
}

export interface RingSegment {
  status: GroupStatus;
  color: string;
  /** Radians, clockwise from north. */
  from: number;
  to: number;
}

/** The ring's arcs: each status's share of the turn, in the order of the legend, from north clockwise. */
export function ringSegments(parts: readonly number[]): RingSegment[] {
  const total = parts.reduce((a, b) => a + b, 0);
  const segments: RingSegment[] = [];
  let at = 0;
  GROUP_STATUSES.forEach((status, i) => {
    const part = parts[i] ?? 0;
    if (part <= 0 || total <= 0) return;
    const to = at + (part / total) * 2 * Math.PI;
    segments.push({ status, color: STATUS_COLORS[status], from: at, to });
    at = to;
  });
  return segments;
}

/** Draws a ring image: the arcs, a thin outline each side, and the attention dot at the top end. */
export function drawRing(id: string): ImageData | null {
  const ring = parseRingId(id);
  if (!ring) return null;
  return paintImage(RING_IMAGE_RADIUS * 2, (ctx) => {
    const c = RING_IMAGE_RADIUS;
    const mid = RING_OUTER - RING_WIDTH / 2;
    // Canvas angles start east; the ring starts north.
    const north = -Math.PI / 2;
    ctx.lineWidth = RING_WIDTH;
    for (const segment of ringSegments(ring.parts)) {
      ctx.beginPath();
      ctx.strokeStyle = segment.color;
      ctx.arc(c, c, mid, north + segment.from, north + segment.to);
      ctx.stroke();
    }
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = POINT_OUTLINE_COLOR;
    for (const r of [RING_OUTER, RING_OUTER - RING_WIDTH]) {
      ctx.beginPath();
      ctx.arc(c, c, r, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (ring.mark !== 'none') {
      // At the top end corner (the inline end in either direction reads the same on a round mark).
      const x = c + RING_OUTER * Math.SQRT1_2;
      const y = c - RING_OUTER * Math.SQRT1_2;
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.fillStyle = ATTENTION_COLORS[ring.mark];
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#FFFFFF';
      ctx.stroke();
    }
  });
}
