// Scratch: CPU profile of the coordinator page's measured cold start (not committed).
import { bigDatabase } from './support/big-database';
import { coldStart, openCoordinatorPage } from './support/coordinator-page';
const big = await bigDatabase(100_000);
if (process.env.PG) {
  const { startPostgres } = await import('../test/support/postgres');
  const { copyToPostgres } = await import('../server/db/copy-to-postgres');
  const { openDatabase } = await import('../server/db/database');
  const { openPostgres } = await import('../server/db/postgres');
  const h = await startPostgres();
  const url = await h.createDatabase();
  const sqlite = openDatabase(big.dataDir + '/waymark.db', { readonly: true });
  const pool = await openPostgres(url);
  await copyToPostgres(sqlite, pool);
  await pool.end();
  sqlite.close();
  process.env.DBURL = url;
  console.log('copied');
}
const p = await openCoordinatorPage(big, process.env.DBURL ? { databaseUrl: process.env.DBURL } : {});
const { page } = p;
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
let profile: any;
let t0 = 0;
await cdp.send('Network.enable');
const frames: string[] = [];
cdp.on('Network.webSocketFrameReceived', (e: any) => {
  const len = e.response.payloadData.length;
  if (t0 && len > 10000) frames.push(`${Math.round(performance.now() - t0)}ms:${len}`);
});
const orig = page.goto.bind(page);
(page as any).goto = async (url: string, opts?: unknown) => {
  await cdp.send('Profiler.start');
  t0 = performance.now();
  return orig(url, opts as never);
};
const start = await coldStart(p, 100_000);
profile = (await cdp.send('Profiler.stop')).profile;
console.log('cold start ms', Math.round(start.ms), 'first', Math.round(start.firstMs), 'long tasks', start.longTasks?.slice?.(0, 10));
console.log('big frames', frames.join(' '));
const dt = (profile.endTime - profile.startTime) / profile.samples.length / 1000;
const self = new Map<string, number>();
for (const n of profile.nodes) {
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0) * dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log('profile total ms', Math.round(total));
for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(Math.round(v).toString().padStart(7), k);
await p.close?.();
process.exit(0);
