import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import {
  collectChanges,
  connectAs,
  expectOk,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  unpackChanges,
  updateCommand,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

// Live batches packed for the sockets that ask (HandshakeAuth.packedLive): the same changes, the
// same projection, in the same order as the JSON a socket that did not ask receives.

/** Every change a socket receives, JSON or packed, in arrival order (packed ones decoded as the app does). */
function collectEverything(socket: ClientSocket) {
  const json = collectChanges(socket);
  const packed: ChangeEvent[] = [];
  let packedMessages = 0;
  socket.on('changesPacked', (bytes) => {
    packedMessages++;
    packed.push(...unpackChanges(bytes));
  });
  return { json, packed, messages: () => packedMessages };
}

describe('live batches packed for the sockets that ask', () => {
  let server: TestServer;
  let other: TestServer;

  beforeAll(async () => {
    // Every batch packed (fewest 1), so which commands share a commit does not matter.
    [server, other] = await Promise.all([startTestServer({ packedLiveMin: 1 }), startTestServer()]);
  });
  afterAll(async () => {
    await Promise.all([server?.destroy(), other?.destroy()]);
  });

  async function connect(target: TestServer, account: FixtureAccount, packedLive: boolean): Promise<ClientSocket> {
    const credentials = target.fixtureAccounts[account];
    if (!credentials) throw new Error(`no fixture account ${account}`);
    return connectAs(target.url, await signIn(target.url, credentials.username, credentials.password), { packedLive });
  }

  it('gives a coordinator and an embassy exactly what their JSON twins get, removals included', async () => {
    const [coordPacked, coordJson, embassyPacked, embassyJson, field] = await Promise.all([
      connect(server, 'coordinator', true),
      connect(server, 'coordinator', false),
      connect(server, 'embassy', true),
      connect(server, 'embassy', false),
      connect(server, 'field', false),
    ]);
    const got = {
      coordPacked: collectEverything(coordPacked),
      coordJson: collectEverything(coordJson),
      embassyPacked: collectEverything(embassyPacked),
      embassyJson: collectEverything(embassyJson),
    };
    try {
      // Nigerians who consented (the embassy sees them), who did not, and Nigeriens: sent at once,
      // so several share a commit.
      const groups = [
        makeGroupInput({ nationalities: [{ code: 'NGA', count: 12 }], consentConsulate: 'yes' }),
        makeGroupInput({ nationalities: [{ code: 'NGA', count: 12 }], consentConsulate: 'no' }),
        makeGroupInput({ nationalities: [{ code: 'NER', count: 12 }], consentConsulate: 'yes' }),
        makeGroupInput({ nationalities: [{ code: 'NGA', count: 12 }], consentConsulate: 'yes', notes: 'second' }),
        makeGroupInput({ nationalities: [{ code: 'NGA', count: 12 }], consentConsulate: 'not_asked' }),
      ];
      const acks = await Promise.all(groups.map((group) => sendCommand(field, reportCommand(group))));
      const first = expectOk(acks[0]!);
      // Consent withdrawn: the embassy gets a removal, packed like the rest.
      expectOk(await sendCommand(field, updateCommand(first.group.id, first.group.version, { consentConsulate: 'no' })));
      // A barrier: every change sent before the sync's answer has arrived.
      await Promise.all([coordPacked, coordJson, embassyPacked, embassyJson].map((socket) => requestSync(socket, null)));

      expect(got.coordJson.json).toHaveLength(6);
      expect(got.coordPacked.packed).toEqual(got.coordJson.json);
      expect(got.embassyPacked.packed).toEqual(got.embassyJson.json);
      // The embassy saw the two consenting Nigerian groups, then the removal of the first.
      expect(got.embassyJson.json.map((c) => c.kind)).toEqual(['group.upsert', 'group.upsert', 'group.remove']);
      // Packed sockets got nothing as JSON; JSON sockets nothing packed.
      expect(got.coordPacked.json).toEqual([]);
      expect(got.embassyPacked.json).toEqual([]);
      expect(got.coordPacked.messages()).toBeGreaterThan(0);
      expect(got.coordJson.messages() + got.embassyJson.messages()).toBe(0);
    } finally {
      for (const socket of [coordPacked, coordJson, embassyPacked, embassyJson, field]) socket.close();
    }
  });

  it('sends a batch below the threshold as JSON even to a socket that asked', async () => {
    const [coordinator, field] = await Promise.all([connect(other, 'coordinator', true), connect(other, 'field', false)]);
    const got = collectEverything(coordinator);
    try {
      expectOk(await sendCommand(field, reportCommand()));
      await requestSync(coordinator, null);
      expect(got.json).toHaveLength(1);
      expect(got.messages()).toBe(0);
    } finally {
      coordinator.close();
      field.close();
    }
  });
});
