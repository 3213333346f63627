import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The four window sizes every screen must fit: two common laptops, a desktop and a small phone. */
export const SIZES = [
  { width: 1280, height: 720 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
  { width: 360, height: 740 },
] as const;

/**
 * Measures the page's boxes as the browser laid them out (runs in the browser) and returns every
 * element that does not fit: the page wider than the window, an element reaching outside the
 * window sideways, an element wider than the box it sits in, and a box whose content is cut off
 * or pushed behind a sideways scroll bar. Screenshots alone miss a cut-off word; boxes do not.
 */
export function findOverflow(): string[] {
  const problems: string[] = [];
  const windowWidth = document.documentElement.clientWidth;
  const describe = (el: Element): string => {
    const id = el.id ? `#${el.id}` : '';
    const testId = el.getAttribute('data-testid');
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).slice(0, 3).join('.')}` : '';
    return `<${el.tagName.toLowerCase()}${id}${cls}${testId ? `[data-testid=${testId}]` : ''}> "${(el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50)}"`;
  };
  // Boxes hidden the accessible way (1 px, clipped) with a class or by a rule for small windows.
  const hiddenRoots = new Set<Element>();
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 && r.height <= 1 && getComputedStyle(el).overflow === 'hidden') hiddenRoots.add(el);
  }
  const insideHidden = (el: Element): boolean => {
    for (let node: Element | null = el; node; node = node.parentElement) if (hiddenRoots.has(node)) return true;
    return false;
  };
  const shown = (el: Element): boolean => {
    if (el.closest('.visually-hidden, [aria-hidden="true"], .skip-link') || insideHidden(el)) return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || style.display === 'contents') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  // The map draws itself (canvas, markers, controls placed over it by MapLibre): its boxes are its own business.
  const inMap = (el: Element): boolean => el.closest('.maplibregl-map, svg') !== null;
  /** Whether a box scrolls its content sideways (so what is inside may lie outside the window). */
  const scrollsSideways = (el: Element): boolean => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);

  const page = document.scrollingElement ?? document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) problems.push(`the page is ${page.scrollWidth}px wide in a ${page.clientWidth}px window`);

  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el) || inMap(el)) continue;
    const style = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const text = (el.textContent ?? '').trim();

    // Content cut off or hidden behind a sideways scroll bar (3W columns, "Seen 1 hour ag").
    // A long name cut short on purpose is fine when its title gives it in full.
    const ellipsisWithTitle = style.textOverflow === 'ellipsis' && el.getAttribute('title') === text;
    if (text && style.overflowX !== 'visible' && !ellipsisWithTitle && el.scrollWidth > el.clientWidth + 1 && !(el instanceof HTMLSelectElement)) {
      problems.push(`${describe(el)} needs ${el.scrollWidth}px, has ${el.clientWidth}px (overflow-x: ${style.overflowX})`);
    }
    if (text && (style.overflowY === 'hidden' || style.overflowY === 'clip') && el.scrollHeight > el.clientHeight + 1) {
      problems.push(`${describe(el)} needs ${el.scrollHeight}px of height, has ${el.clientHeight}px (overflow-y: ${style.overflowY})`);
    }

    // Outside the window sideways, unless a box that scrolls sideways holds it (that box is reported above).
    let scroller = el.parentElement;
    while (scroller && !scrollsSideways(scroller)) scroller = scroller.parentElement;
    if (!scroller && (r.right > windowWidth + 1 || r.left < -1)) {
      problems.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px in a ${windowWidth}px window`);
    }

    // Wider than the box it sits in (content spilling over its panel), for boxes laid out in the flow.
    const parent = el.parentElement;
    if (parent && style.position !== 'absolute' && style.position !== 'fixed' && shown(parent) && parent !== document.body) {
      const p = parent.getBoundingClientRect();
      if (r.right > p.right + 1 || r.left < p.left - 1) {
        problems.push(
          `${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px outside its box ${describe(parent)} ${Math.round(p.left)}..${Math.round(p.right)}px`,
        );
      }
    }
  }
  return [...new Set(problems)];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One axe-core finding, reduced to what a failing test should say. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on the page as it stands and returns its serious and critical violations. The
 * source is evaluated through the debugging protocol rather than added as a script tag, so the
 * app's Content-Security-Policy (no inline scripts) stays as strict as in production.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    interface AxeViolation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
}
