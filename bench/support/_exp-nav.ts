import { bigDatabase } from './big-database';
import { openCoordinatorPage, firstLoad, coldNavigation } from './coordinator-page';
const big = await bigDatabase(100_000);
const p = await openCoordinatorPage(big);
await p.page.addInitScript({ content: `
  const w = window; w.__t = [];
  const mark = (k) => w.__t.push([k, Math.round(performance.now())]);
  mark('script');
  new PerformanceObserver((l) => { for (const e of l.getEntries()) mark('LT' + Math.round(e.duration) + '@' + Math.round(e.startTime)); }).observe({ type: 'longtask', buffered: true });
  const idbOpen = indexedDB.open.bind(indexedDB); indexedDB.open = (...a) => { mark('idb-open ' + a[0]); const r = idbOpen(...a); r.addEventListener('success', () => mark('idb-ok ' + a[0])); return r; };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS { constructor(u, pr) { super(u, pr); mark('ws-open-call'); this.addEventListener('open', () => mark('ws-open')); this.addEventListener('message', (e) => { const n = typeof e.data === 'string' ? e.data.length : (e.data.byteLength ?? e.data.size); if (n > 10000) mark('ws-msg ' + n); }); } };
  document.addEventListener('DOMContentLoaded', () => mark('dcl'));
  window.addEventListener('load', () => mark('load'));
  new MutationObserver((list) => { for (const m of list) { const el = m.target ; if (m.attributeName?.startsWith('data-')) { const v = el.getAttribute(m.attributeName); if (m.attributeName === 'data-groups-ready' || m.attributeName === 'data-ready' || m.attributeName === 'data-drawn' || m.attributeName==='data-map-loaded') mark(m.attributeName + '=' + v); } } }).observe(document, { attributes: true, subtree: true });
` });
console.log('first', Math.round(await firstLoad(p, 100_000)));
for (let i = 0; i < 3; i++) { if (process.env.BLANK) await p.page.goto("about:blank");
  const r = await coldNavigation(p, 100_000);
  const t = await p.page.evaluate(() => (window as any).__t);
  const nav = await p.page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming; return { resp: Math.round(n.responseEnd), dcl: Math.round(n.domContentLoadedEventEnd) }; });
  const res = await p.page.evaluate(() => performance.getEntriesByType('resource').filter((e: any) => e.duration > 30).map((e: any) => `${e.name.split('/').pop().slice(0, 30)} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`));
  console.log(Math.round(r.ms), JSON.stringify(nav), JSON.stringify(t), '\n  ', res.join(' | '));
}
await p.close();
process.exit(0);
