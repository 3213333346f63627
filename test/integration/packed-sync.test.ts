import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PackedView } from '../../shared/packed-views';
import type { GroupView } from '../../shared/schemas/group.schema';
import {
  connectFixture,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  unpackChanges,
  unpackSnapshot,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

// The packed snapshot (the initial state of a big crisis): built from the same projection as the
// plain snapshot for every audience, shared only between connections with the same projection,
// and a little behind the log only with the head to catch up from.

let server: TestServer;
const open: ClientSocket[] = [];

async function connect(key: FixtureAccount): Promise<ClientSocket> {
  const socket = await connectFixture(server, key);
  open.push(socket);
  return socket;
}

const byId = (views: readonly (GroupView | PackedView)[]) => [...views].sort((a, b) => a.group.id.localeCompare(b.group.id));

beforeAll(async () => {
  // The long catch-up below is made by one socket faster than the per-connection budget allows.
  server = await startTestServer({ socketRate: { perSecond: 10_000, burst: 10_000 } });
  const field = await connectFixture(server, 'field');
  // Some for everyone; Nigerians with consent for the Nigerian embassy; a flagged one for nobody outside.
  const groups = [
    makeGroupInput(),
    makeGroupInput({ nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: 'yes' }),
    makeGroupInput({ nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: 'yes', protectionConcern: true }),
    makeGroupInput({ nationalities: [{ code: 'NER', count: 5 }], consentConsulate: 'yes' }),
  ];
  for (const g of groups) expectOk(await sendCommand(field, reportCommand(g)));
  field.close();
});
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});
afterAll(async () => {
  await server.destroy();
});

describe('packed sync', () => {
  it.each<FixtureAccount>(['coordinator', 'field', 'responder', 'embassy', 'embassyNiger'])(
    'gives %s exactly the views of the plain snapshot',
    async (account) => {
      const socket = await connect(account);
      const plain = expectSnapshot(await requestSync(socket, null, false));
      const packed = unpackSnapshot(await requestSync(socket, null, true));
      expect(packed.seq).toBe(plain.seq);
      expect(byId(packed.views)).toEqual(byId(plain.groups));
    },
  );

  it("keeps a reduced audience reduced: a responder's unassigned groups carry no counts, notes or exact place", async () => {
    const packed = unpackSnapshot(await requestSync(await connect('responder'), null, true));
    expect(packed.views.length).toBeGreaterThan(0);
    for (const view of packed.views) {
      expect(view.view).toBe('reduced');
      expect(Object.keys(view.group).sort()).toEqual(['id', 'lat', 'lon', 'needTypes', 'status', 'version']);
    }
  });

  it('is shared while recent: a later change is caught up from its seq, not lost', async () => {
    const coordinator = await connect('coordinator');
    const first = unpackSnapshot(await requestSync(coordinator, null, true));
    const field = await connect('field');
    const later = expectOk(await sendCommand(field, reportCommand(makeGroupInput())));
    const again = unpackSnapshot(await requestSync(coordinator, null, true));
    expect(again.seq).toBe(first.seq);
    expect(again.head).toBe(later.seq);
    const rest = await requestSync(coordinator, again.seq, true);
    expect(rest.ok && rest.mode === 'changes' && rest.changes.map((c) => c.seq)).toEqual([later.seq]);
  });

  it('packs a long catch-up, and it holds exactly the plain catch-up', async () => {
    const coordinator = await connect('coordinator');
    const field = await connect('field');
    const since = expectSnapshot(await requestSync(coordinator, null, false)).seq;
    for (let i = 0; i < 210; i++) expectOk(await sendCommand(field, reportCommand(makeGroupInput())));
    const plain = await requestSync(coordinator, since, false);
    const packed = await requestSync(coordinator, since, true);
    if (!plain.ok || plain.mode !== 'changes' || !packed.ok || packed.mode !== 'packed-changes') throw new Error('expected both catch-ups');
    expect(packed.seq).toBe(plain.seq);
    expect(unpackChanges(packed.changes)).toEqual(plain.changes);
  });

  it('answers a bad request with a named error and no snapshot', async () => {
    const socket = await connect('coordinator');
    const ack = await socket.timeout(10_000).emitWithAck('sync', { sinceSeq: null, packed: 'yes' } as never);
    expect(ack).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('answers only the newest of two asks from one connection with the snapshot; the older one, given up on, gets a short refusal', async () => {
    const socket = await connect('coordinator');
    // Sent together: the first is still being built when the second arrives, as when a client's wait runs out on a big crisis.
    const [older, newer] = await Promise.all([requestSync(socket, null, true), requestSync(socket, null, true)]);
    expect(older).toMatchObject({ ok: false, code: 'conflict' });
    expect(unpackSnapshot(newer).views.length).toBeGreaterThan(0);
  });
});
