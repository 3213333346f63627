import type { AreaGeometry } from '../schemas/admin-area.schema';

type Position = readonly number[];

/** Squared distance from p to the segment a-b, in degrees (fine for a display tolerance). */
function segmentDistance2(p: Position, a: Position, b: Position): number {
  const [px = 0, py = 0] = p;
  const [ax = 0, ay = 0] = a;
  const [bx = 0, by = 0] = b;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/** Douglas-Peucker on an open run of positions (iterative: a long coastline would overflow a recursion). */
function simplifyLine(points: readonly Position[], tolerance2: number): Position[] {
  if (points.length < 3) return [...points];
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [first, last] = stack.pop() ?? [0, 0];
    let worst = -1;
    let worstD = tolerance2;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance2(points[i] ?? [], points[first] ?? [], points[last] ?? []);
      if (d > worstD) {
        worst = i;
        worstD = d;
      }
    }
    if (worst > 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/** A closed ring simplified; the ring as it was when simplifying would leave fewer than 4 positions. */
function simplifyRing(ring: readonly Position[], tolerance2: number): number[][] {
  const simplified = simplifyLine(ring, tolerance2);
  const out = simplified.length >= 4 ? simplified : ring;
  return out.map((p) => [Math.round((p[0] ?? 0) * 1e5) / 1e5, Math.round((p[1] ?? 0) * 1e5) / 1e5]);
}

/**
 * A lighter copy of an area's geometry for drawing: Douglas-Peucker at `tolerance` degrees and
 * coordinates at 5 decimals (about 1 m). Not for point-in-area lookups, which use the full geometry.
 */
export function simplifyGeometry(geometry: AreaGeometry, tolerance: number): AreaGeometry {
  const t2 = tolerance * tolerance;
  if (geometry.type === 'Polygon') return { type: 'Polygon', coordinates: geometry.coordinates.map((r) => simplifyRing(r, t2)) } as AreaGeometry;
  return { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map((r) => simplifyRing(r, t2))) } as AreaGeometry;
}
