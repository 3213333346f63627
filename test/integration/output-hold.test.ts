import type { Socket as TcpSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, expectOk, makeGroupInput, reportCommand, requestSync, sendCommand, signIn, unpackChanges, type ClientSocket } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// One write per socket per group commit (OutputHold): a field socket that reports gets the batch's
// live changes and its acks in one TCP write, the changes first.

/** Counts the writes the server makes to the kernel for one client's connection. */
function countServerWrites(server: TestServer, client: ClientSocket): () => number {
  const conn = server.io?.of('/').sockets.get(client.id ?? '')?.conn as unknown as { transport?: { socket?: { _socket?: TcpSocket } } };
  const tcp = conn?.transport?.socket?._socket as (TcpSocket & Record<'_write' | '_writev', (...args: unknown[]) => void>) | undefined;
  if (!tcp) throw new Error('no server-side TCP socket for this client');
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method].bind(tcp);
    tcp[method] = (...args: unknown[]) => {
      writes += 1;
      original(...args);
    };
  }
  return () => writes;
}

describe('a group commit writes to each socket once', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ packedLiveMin: 1 });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('sends a reporting field socket its live batch and its acks together, batch first', async () => {
    const credentials = server.accounts.field;
    const field = await connectAs(server.url, await signIn(server.url, credentials.username, credentials.password), { packedLive: true });
    try {
      const arrived: string[] = [];
      field.on('changesPacked', (bytes) => {
        for (const event of unpackChanges(bytes)) arrived.push(`change ${event.seq}`);
      });
      // A barrier: whatever the server sent this socket on connecting has arrived before counting.
      await requestSync(field, null);
      const writes = countServerWrites(server, field);
      let commits = 0;
      server.writes!.onFlush = () => (commits += 1);

      const acks = await Promise.all(
        Array.from({ length: 6 }, () => sendCommand(field, reportCommand(makeGroupInput())).then((ack) => (arrived.push(`ack ${expectOk(ack).seq}`), ack))),
      );

      expect(commits).toBeGreaterThanOrEqual(1);
      // Each commit gave this socket a live batch and acks: one write each, not one per frame.
      expect(writes()).toBe(commits);
      // Every ack comes after the change it acknowledges.
      for (const ack of acks) {
        const seq = expectOk(ack).seq;
        expect(arrived.indexOf(`change ${seq}`)).toBeGreaterThanOrEqual(0);
        expect(arrived.indexOf(`change ${seq}`)).toBeLessThan(arrived.indexOf(`ack ${seq}`));
      }
    } finally {
      server.writes!.onFlush = null;
      field.disconnect();
    }
  });
});
