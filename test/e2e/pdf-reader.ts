import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

// Reads a PDF the browser printed with pdf.js (`pdfjs-dist`, its Node build), so the test needs
// nothing but `npm ci`: no poppler. Pages are rendered on `@napi-rs/canvas`, the canvas pdf.js
// itself uses in Node (prebuilt, from npm).

const require = createRequire(import.meta.url);
/** pdf.js's standard fonts, for any PDF font that is not embedded (Chromium embeds its own). */
const STANDARD_FONTS = `${pathToFileURL(path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts')).href}/`;

export interface PdfReader {
  readonly pages: number;
  /** The text of page `n` (from 1), lines as pdf.js ends them. */
  text(n: number): Promise<string>;
  /** Writes page `n` as a PNG at `scale` (1 = 72 dpi). */
  renderPng(n: number, scale: number, file: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens PDF bytes. */
export async function readPdf(bytes: Uint8Array): Promise<PdfReader> {
  // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
  const doc: PDFDocumentProxy = await getDocument({ data: new Uint8Array(bytes), standardFontDataUrl: STANDARD_FONTS, isEvalSupported: false }).promise;
  return {
    pages: doc.numPages,
    async text(n) {
      const content = await (await doc.getPage(n)).getTextContent();
      return content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join('');
    },
    async renderPng(n, scale, file) {
      const page = await doc.getPage(n);
      const viewport = page.getViewport({ scale });
      const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
      // @napi-rs/canvas is the canvas pdf.js itself uses in Node; its types are not the DOM's.
      await page.render({ canvas: canvas as unknown as HTMLCanvasElement, viewport }).promise;
      await fs.writeFile(file, await canvas.encode('png'));
    },
    close: () => doc.destroy(),
  };
}
