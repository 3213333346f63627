// `npm run check:production` (CI runs it after `npm run build`): the production build starts with
// only the production dependencies installed. It copies what a deployment ships (package files,
// dist-server/, dist/client/) into an empty folder, runs `npm ci --omit=dev` there (from the npm
// registry, so it is not part of `npm test`), starts `node dist-server/index.js` on a free port with
// an empty data folder, and checks that it answers /api/health and serves the app.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

for (const built of ['dist-server/index.js', 'dist/client/index.html']) {
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-production-'));
const step = (what) => process.stderr.write(`check:production: ${what}\n`);
let server = null;
try {
  for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(file, path.join(dir, file));
  fs.cpSync('dist-server', path.join(dir, 'dist-server'), { recursive: true });
  fs.cpSync('dist/client', path.join(dir, 'dist/client'), { recursive: true });
  step(`npm ci --omit=dev in ${dir}`);
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  for (const devOnly of ['tsx', 'vite', 'typescript', 'vitest']) {
    if (fs.existsSync(path.join(dir, 'node_modules', devOnly))) throw new Error(`${devOnly} was installed with --omit=dev`);
  }

  const port = await new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  step(`node dist-server/index.js on port ${port}`);
  server = spawn(process.execPath, ['dist-server/index.js'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), WAYMARK_DATA_DIR: path.join(dir, 'data'), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = server;
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: started.stdout }).on('line', (line) => {
      if (line.includes('"server.listening"')) resolve();
    });
    started.once('exit', (code, signal) => reject(new Error(`the server exited before listening (${code ?? signal})`)));
  });
  const health = await fetch(`http://127.0.0.1:${port}/api/health`);
  if (health.status !== 200) throw new Error(`/api/health answered ${health.status}`);
  const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  if (!page.includes('<div id="app"')) throw new Error('the app page was not served');
  step('the production install starts, answers /api/health and serves the app');
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
