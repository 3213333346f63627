import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const SERVICE_WORKER_SOURCE = path.resolve('client/service-worker/sw.js');

/** Every file under a folder, as URL paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`]));
}

/**
 * Writes sw.js next to the build with the list of files to precache. A dozen lines instead of
 * vite-plugin-pwa: that plugin (and Workbox) would add a large dependency tree and its Vite 8
 * support could not be checked offline; the worker needed here is ~90 lines we can read whole.
 * The .woff fallbacks are left out: every browser that runs a service worker reads woff2.
 */
function precacheServiceWorker(): Plugin {
  let outDir = '';
  let publicDir = '';
  return {
    name: 'waymark-precache-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
      publicDir = config.publicDir;
    },
    writeBundle(_options, bundle) {
      const built = Object.keys(bundle).filter((file) => !file.endsWith('.woff') && !file.endsWith('.map'));
      const files = [...new Set([...built, ...filesUnder(publicDir)])].sort().map((file) => (file === 'index.html' ? '/index.html' : `/${file}`));
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const source = fs.readFileSync(SERVICE_WORKER_SOURCE, 'utf8').replace('__WAYMARK_PRECACHE_MANIFEST__', JSON.stringify({ version, files }));
      if (source.includes('__WAYMARK_PRECACHE_MANIFEST__')) throw new Error('sw.js: the precache placeholder appears more than once');
      fs.writeFileSync(path.join(outDir, 'sw.js'), source);
    },
  };
}

// The client lives in client/; the server serves the build from dist/client. In `npm run dev`
// Vite proxies the API and the socket to a server started with `npm run serve` on port 8080.
export default defineConfig({
  root: 'client',
  publicDir: 'public',
  plugins: [svelte(), precacheServiceWorker()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    // maplibre-gl alone is ~1 MB minified; it is one cached file, so a larger limit is honest.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
      '/socket.io': { target: 'http://localhost:8080', ws: true },
    },
  },
});
