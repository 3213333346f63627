// `npm run build:server`: the server as plain JavaScript in dist-server/, so production runs what
// was compiled and checked at build time, not TypeScript compiled at run time. One ES module per
// entry (the server, the admin CLI), every npm package left as an
// import: `npm ci --omit=dev` installs exactly what these import. The SQL migrations are read at
// run time, next to the code that reads them.
import { build } from 'esbuild';
import fs from 'node:fs';

const OUT = 'dist-server';

fs.rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: { index: 'server/index.ts', 'admin-cli': 'server/admin-cli.ts' },
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  packages: 'external',
  // Stack traces in the logs point at the TypeScript (`node --enable-source-maps`, as npm start does).
  sourcemap: true,
  logLevel: 'warning',
});
fs.cpSync('server/db/migrations', `${OUT}/migrations`, { recursive: true });
fs.cpSync('server/db/pg-migrations', `${OUT}/pg-migrations`, { recursive: true });
