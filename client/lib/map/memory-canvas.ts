/** One canvas per image size, kept for every image of that size (see `paintImage`). */
const contexts = new Map<number, CanvasRenderingContext2D | null>();

/**
 * A square image of `size` pixels painted by `paint` and read back at once, for the map's
 * `addImage`. The canvas is kept in memory rather than on the GPU (`willReadFrequently`) and reused:
 * a new GPU canvas per image cost a readback each, about 300 ms of the main thread over a
 * 100,000-group cold start's few hundred cluster rings, and about 300 ms more for the sites' few
 * symbols (software GL, as on these machines, makes each readback slow). Each image starts from a
 * cleared canvas in its default state. Null where there is no canvas.
 */
export function paintImage(size: number, paint: (ctx: CanvasRenderingContext2D) => void): ImageData | null {
  if (typeof document === 'undefined') return null;
  let ctx = contexts.get(size);
  if (ctx === undefined) {
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    ctx = canvas.getContext('2d', { willReadFrequently: true });
    contexts.set(size, ctx);
  }
  if (!ctx) return null;
  ctx.clearRect(0, 0, size, size);
  ctx.save();
  try {
    paint(ctx);
  } finally {
    ctx.restore();
  }
  return ctx.getImageData(0, 0, size, size);
}
