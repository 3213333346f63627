import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { LAPTOP, browserSuite, signIn } from './suite';

// The client opens its socket as a WebSocket first (a big crisis's first state then comes as one
// binary frame, not base64 inside polling responses) and falls back to HTTP long-polling where a
// WebSocket cannot be opened (a proxy that blocks it). Both ways, the coordinator's map fills.

const isSocketPath = (url: string): boolean => new URL(url).pathname.startsWith('/socket.io/');

/**
 * A proxy in front of the server that forwards plain HTTP and refuses every WebSocket upgrade
 * (403), as some corporate and hotel proxies do. The Host header goes through as the browser sent
 * it, so the app's pages are its own origin through the proxy.
 */
async function proxyWithoutWebSockets(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const proxy = http.createServer((req, res) => {
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

describe('socket transports: WebSocket first, long-polling where a WebSocket is refused', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  async function coordinatorMap(blockWebSockets: boolean) {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    // What the page opened: WebSockets to the socket path, and long-polling requests to it.
    const transports = { websockets: 0, polling: 0 };
    page.on('websocket', (ws) => {
      if (isSocketPath(ws.url())) transports.websockets++;
    });
    page.on('request', (request) => {
      if (isSocketPath(request.url()) && new URL(request.url()).searchParams.get('transport') === 'polling') transports.polling++;
    });
    const proxy = blockWebSockets ? await proxyWithoutWebSockets(suite.server.url) : null;
    // The browser logs the refused WebSocket as a console error: expected here.
    if (proxy) guarded.outage = true;
    try {
      await signIn(page, proxy?.url ?? suite.server.url, suite.server.accounts.coordinator);
      await page
        .getByRole('region', { name: en['map.label'], exact: true })
        .and(page.locator(`[data-ready="true"][data-feature-count="${DEMO_GROUP_COUNT}"]`))
        .waitFor({ timeout: 45_000 });
    } finally {
      await guarded.context.close();
      await proxy?.close();
    }
    return transports;
  }

  it('connects straight over a WebSocket: no long-polling request at all', async () => {
    const transports = await coordinatorMap(false);
    expect(transports).toEqual({ websockets: 1, polling: 0 });
    suite.assertClean();
  });

  it('falls back to long-polling when every WebSocket is refused, and still draws every group', async () => {
    const transports = await coordinatorMap(true);
    expect(transports.polling).toBeGreaterThan(0);
    suite.assertClean();
  });
});
