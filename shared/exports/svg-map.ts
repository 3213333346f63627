/** [west, south, east, north] in degrees. */
export type Extent = readonly [number, number, number, number];
type Position = readonly [number, number] | readonly number[];

/** A plate carrée fitted to an extent: x east, y south, in SVG units, with the extent's middle latitude true to scale. */
export interface SvgFrame {
  width: number;
  height: number;
  /** The extent actually shown (the requested one plus a margin). */
  extent: Extent;
  project(p: Position): [number, number];
}

/**
 * Fits the extent (with `margin` of its size added on each side) into a `width` × `height` frame,
 * widening it in one direction to the frame's shape: a viewBox of another shape than its box
 * would be letterboxed, and outlines would spill into the bands beside it. A plate carrée scaled
 * by cos(middle latitude) is the simplest projection that keeps a country the size of Libya
 * recognisable, and it needs no library. Pure.
 */
export function fitFrame(extent: Extent, width: number, height: number, margin = 0.06): SvgFrame {
  const [w0, s0, e0, n0] = extent;
  const kx = Math.cos((((s0 + n0) / 2) * Math.PI) / 180);
  let halfX = ((e0 - w0) / 2) * (1 + 2 * margin) * kx;
  let halfY = ((n0 - s0) / 2) * (1 + 2 * margin);
  if (halfX / halfY > width / height) halfY = (halfX * height) / width;
  else halfX = (halfY * width) / height;
  const [cx, cy] = [(w0 + e0) / 2, (s0 + n0) / 2];
  const shown: Extent = [cx - halfX / kx, cy - halfY, cx + halfX / kx, cy + halfY];
  const scale = width / (2 * halfX);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    width,
    height,
    extent: shown,
    project: (p) => [r((p[0]! - shown[0]) * kx * scale), r((shown[3] - p[1]!) * scale)],
  };
}

/** Whether a ring's bounding box meets the extent (rings wholly outside are not drawn). */
function ringMeets(ring: readonly Position[], [w, s, e, n]: Extent): boolean {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of ring) {
    minX = Math.min(minX, p[0]!);
    maxX = Math.max(maxX, p[0]!);
    minY = Math.min(minY, p[1]!);
    maxY = Math.max(maxY, p[1]!);
  }
  return maxX >= w && minX <= e && maxY >= s && minY <= n;
}

/** An SVG path for polygon rings (a Polygon's, or each of a MultiPolygon's), skipping those outside the frame. Pure. */
export function ringsPath(rings: readonly (readonly Position[])[], frame: SvgFrame): string {
  const parts: string[] = [];
  for (const ring of rings) {
    if (ring.length < 3 || !ringMeets(ring, frame.extent)) continue;
    parts.push(
      ring
        .map((p, i) => {
          const [x, y] = frame.project(p);
          return `${i === 0 ? 'M' : 'L'}${x} ${y}`;
        })
        .join('') + 'Z',
    );
  }
  return parts.join('');
}
