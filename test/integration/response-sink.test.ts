import { once } from 'node:events';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { responseSink, ResponseClosedError } from '../../server/http/response-sink';

/** A real server and a client that connects and never reads: the server's writes back up. */
async function stalledDownload(): Promise<{ res: ServerResponse; hangUp: () => void; close: () => Promise<void> }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const client = request({ host: '127.0.0.1', port, path: '/' });
  client.on('error', () => {});
  client.end();
  const [, res] = (await once(server, 'request')) as [unknown, ServerResponse];
  return {
    res,
    hangUp: () => client.destroy(),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe(responseSink.name, () => {
  it('waits for the socket to drain once its buffer is full, and rejects with a named error when the client hangs up', async () => {
    const { res, hangUp, close } = await stalledDownload();
    try {
      const sink = responseSink(res);
      const piece = 'x'.repeat(64 * 1024);
      // A corked socket sends nothing: the response's buffer fills and a write waits for a drain
      // that cannot come (a client that stopped reading, without waiting on the kernel's buffers).
      res.socket!.cork();
      let pending: Promise<void> | null = null;
      for (let i = 0; i < 1_000 && pending === null; i += 1) {
        const write = sink(piece);
        // The sink writes before its first await, so the response already says whether it is full.
        if (res.writableNeedDrain) pending = write;
        else await write;
      }
      expect(pending).not.toBeNull();
      hangUp();
      await expect(pending).rejects.toBeInstanceOf(ResponseClosedError);
      await expect(sink(piece)).rejects.toBeInstanceOf(ResponseClosedError);
    } finally {
      await close();
    }
  });
});
