// Waymark's service worker: the app opens with no connection at all.
//
// Plain JavaScript on purpose: it is not part of the app's bundle. The Vite plugin in
// vite.config.ts (`precacheServiceWorker`) copies this file to dist/client/sw.js at build time and
// replaces the manifest placeholder below with the build's file list and a version (a hash of that list), so
// each deploy gets a new cache and the old one is deleted when the new worker activates.
//
// - Install: every file of the build (the shell, the hashed JS and CSS, the woff2 fonts, the
//   world-atlas basemap JSON, the MapLibre worker, the icons) is fetched into one cache.
// - Navigation: the network first (a deploy reaches the person), the cached index.html when the
//   network fails or takes too long.
// - Hashed assets: the cache first (their names change with their content).
// - /api and /socket.io are never touched: personal data does not go into a shared HTTP cache;
//   the app keeps what it needs offline in IndexedDB, which sign-out clears.

/** @type {{ version: string; files: string[] }} */
const MANIFEST = __WAYMARK_PRECACHE_MANIFEST__;
const CACHE = `waymark-shell-${MANIFEST.version}`;
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(MANIFEST.files.map((file) => new Request(file, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

// A new deploy takes over at once (skipWaiting + claim), but a tab opened on the previous build
// may still ask for that build's hashed files (the basemap JSON, the MapLibre worker), which the
// server no longer has: the previous generation's cache is kept (caches.keys() is in creation
// order) and assets are looked up in every cache; older generations are deleted.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => {
        const older = keys.filter((key) => key.startsWith('waymark-shell-') && key !== CACHE);
        return Promise.all(older.slice(0, -1).map((key) => caches.delete(key)));
      })
      .then(() => self.clients.claim()),
  );
});

/** The network, or a rejection after `ms` (a dead link often hangs rather than fails). */
function fetchWithin(request, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    fetch(request).then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function navigation(request) {
  try {
    const response = await fetchWithin(request, NAVIGATION_TIMEOUT_MS);
    if (response.ok) return response;
    const cached = await caches.match('/index.html', { cacheName: CACHE });
    return cached ?? response;
  } catch (error) {
    const cached = await caches.match('/index.html', { cacheName: CACHE });
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  return cached ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/api' || url.pathname.startsWith('/socket.io/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
    return;
  }
  event.respondWith(cacheFirst(request));
});
