import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The client lives in client/; the server serves the build from dist/client. In `npm run dev`
// Vite proxies the API and the socket to a server started with `npm run serve` on port 8080.
export default defineConfig({
  root: 'client',
  publicDir: 'public',
  plugins: [svelte()],
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
