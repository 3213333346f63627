import { afterEach, describe, expect, it, vi } from 'vitest';
import { RING_PARTS } from '../../client/lib/map/cluster-rings';
import { GROUP_STATUSES } from '../../shared/schemas/group.schema';
import { SITE_KINDS, SITE_STATUSES } from '../../shared/schemas/site.schema';

/**
 * A stand-in for the browser's canvas, enough for `paintImage`: which contexts were asked for and
 * how, and the drawing state as a stack (save/restore), so a test can see what one image leaves
 * to the next.
 */
function fakeDocument() {
  const asked: { size: number; options: unknown }[] = [];
  const document = {
    createElement: (tag: string) => {
      if (tag !== 'canvas') throw new Error(`no ${tag}`);
      const canvas = {
        width: 0,
        height: 0,
        getContext: (kind: string, options?: unknown) => {
          asked.push({ size: canvas.width, options });
          const states = [{ fillStyle: '#000000' }];
          const ctx = {
            canvas,
            cleared: 0,
            get fillStyle() {
              return states.at(-1)!.fillStyle;
            },
            set fillStyle(value: string) {
              states.at(-1)!.fillStyle = value;
            },
            save: () => void states.push({ ...states.at(-1)! }),
            restore: () => void (states.length > 1 && states.pop()),
            clearRect: () => void ctx.cleared++,
            getImageData: (x: number, y: number, w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
          };
          // Every other drawing call (arcs, paths, glyphs) draws nothing here.
          const drawing = new Proxy(ctx, { get: (target, key) => (key in target ? target[key as keyof typeof target] : () => {}) });
          return kind === '2d' ? drawing : null;
        },
      };
      return canvas;
    },
  };
  return { document, asked };
}

describe('paintImage (the map images read back at once: cluster rings, site symbols)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('paints on a canvas kept in memory (willReadFrequently), one per size, reused, each image from a cleared canvas in its default state', async () => {
    const { document, asked } = fakeDocument();
    vi.stubGlobal('document', document);
    const { paintImage } = await import('../../client/lib/map/memory-canvas');
    const seen: { fillStyle: string; cleared: number }[] = [];
    const paint = (ctx: CanvasRenderingContext2D) => {
      seen.push({ fillStyle: String(ctx.fillStyle), cleared: (ctx as unknown as { cleared: number }).cleared });
      ctx.fillStyle = '#ff0000';
    };

    const first = paintImage(64, paint);
    paintImage(64, paint);
    paintImage(80, paint);

    expect(first).toMatchObject({ width: 64, height: 64 });
    // A GPU canvas per image cost a readback each (about 300 ms of a cold start on software GL).
    expect(asked).toEqual([
      { size: 64, options: { willReadFrequently: true } },
      { size: 80, options: { willReadFrequently: true } },
    ]);
    expect(seen).toEqual([
      { fillStyle: '#000000', cleared: 1 },
      { fillStyle: '#000000', cleared: 2 },
      { fillStyle: '#000000', cleared: 1 },
    ]);
  });

  it('is where the cluster rings and the site symbols are painted', async () => {
    const { document, asked } = fakeDocument();
    vi.stubGlobal('document', document);
    const { drawRing, RING_IMAGE_RADIUS, RING_IMAGE_PREFIX } = await import('../../client/lib/map/cluster-rings');
    const { drawSiteImage, siteImageId, SITE_IMAGE_SIZE } = await import('../../client/lib/map/site-symbols');
    const ring = `${RING_IMAGE_PREFIX}${GROUP_STATUSES.map((_, i) => `-${i === 0 ? RING_PARTS : 0}`).join('')}:o`;
    const site = siteImageId({ type: SITE_KINDS[0], status: SITE_STATUSES[0], capacity: 100, occupancy: 40 });

    expect(drawRing(ring)).toMatchObject({ width: RING_IMAGE_RADIUS * 2 });
    expect(drawSiteImage(site)).toMatchObject({ width: SITE_IMAGE_SIZE });
    expect(drawSiteImage(site)).toMatchObject({ width: SITE_IMAGE_SIZE });
    expect(asked).toEqual([
      { size: RING_IMAGE_RADIUS * 2, options: { willReadFrequently: true } },
      { size: SITE_IMAGE_SIZE, options: { willReadFrequently: true } },
    ]);
  });

  it('draws nothing where there is no document (the server, the tests in Node)', async () => {
    const { paintImage } = await import('../../client/lib/map/memory-canvas');
    expect(paintImage(64, () => {})).toBeNull();
  });
});
