import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nationalsView, projectGroup } from '../../shared/projection';
import { changedId, type ChangeEvent } from '../../shared/schemas/sync.schema';
import {
  collectChanges,
  connectFixture,
  expectChanges,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  updateCommand,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

let server: TestServer;
const open: ClientSocket[] = [];

async function connect(key: FixtureAccount): Promise<ClientSocket> {
  const socket = await connectFixture(server, key);
  open.push(socket);
  return socket;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});
afterAll(async () => {
  await server.destroy();
});

const nigerians = (overrides: Parameters<typeof makeGroupInput>[0] = {}) =>
  makeGroupInput({
    nationalities: [
      { code: 'NGA', count: 6 },
      { code: 'GHA', count: 3 },
    ],
    consentConsulate: 'yes',
    ...overrides,
  });
const about = (id: string) => (c: ChangeEvent) => changedId(c) === id;

describe(projectGroup.name, () => {
  describe('an embassy', () => {
    it("receives a consented, unflagged group of its nationality as its nationals' part", async () => {
      const [embassy, field] = await Promise.all([connect('embassy'), connect('field')]);
      const group = nigerians();
      const received = waitForEvent(embassy, 'change', about(group.id));

      const ack = expectOk(await sendCommand(field, reportCommand(group)));

      expect(await received).toEqual({ kind: 'group.upsert', seq: ack.seq, group: { view: 'nationals', group: nationalsView(ack.group, 'NGA', null) } });
    });

    it('receives nothing of a group without consent, with a protection flag, or of other nationals', async () => {
      const [embassy, field] = await Promise.all([connect('embassy'), connect('field')]);
      const got = collectChanges(embassy);
      const hidden = [
        nigerians({ consentConsulate: 'no' }),
        nigerians({ consentConsulate: 'not_asked' }),
        nigerians({ protectionConcern: true }),
        makeGroupInput({ nationalities: [{ code: 'NER', count: 4 }], consentConsulate: 'yes' }),
      ];
      for (const group of hidden) expectOk(await sendCommand(field, reportCommand(group)));

      // A sync reply is sent after every change emitted before it: nothing arrived.
      const snapshot = expectSnapshot(await requestSync(embassy, null));
      expect(got).toEqual([]);
      const ids = new Set(snapshot.groups.map((v) => v.group.id));
      for (const group of hidden) expect(ids.has(group.id)).toBe(false);
    });

    it('gets a removal when consent is withdrawn or the flag is set, and nothing after it', async () => {
      const [embassy, field, coordinator] = await Promise.all([connect('embassy'), connect('field'), connect('coordinator')]);
      const consented = expectOk(await sendCommand(field, reportCommand(nigerians())));
      const flagged = expectOk(await sendCommand(field, reportCommand(nigerians())));
      await requestSync(embassy, 0); // barrier: both upserts have reached the embassy
      const got = collectChanges(embassy);
      const removedConsent = waitForEvent(embassy, 'change', about(consented.group.id));
      const removedFlag = waitForEvent(embassy, 'change', about(flagged.group.id));

      const withdrawn = expectOk(await sendCommand(coordinator, updateCommand(consented.group.id, 1, { consentConsulate: 'no' })));
      const flag = expectOk(await sendCommand(coordinator, updateCommand(flagged.group.id, 1, { protectionConcern: true, consentConsulate: 'yes' })));

      expect(await removedConsent).toEqual({ kind: 'group.remove', seq: withdrawn.seq, groupId: consented.group.id });
      expect(await removedFlag).toEqual({ kind: 'group.remove', seq: flag.seq, groupId: flagged.group.id });
      expectOk(await sendCommand(coordinator, updateCommand(consented.group.id, 2, { notes: 'still no consent' })));
      await requestSync(embassy, 0);
      expect(got.map((c) => c.kind)).toEqual(['group.remove', 'group.remove']);
    });

    it('catches up with a removal of what it saw and nothing of what it never saw, never a state from history', async () => {
      const [embassy, field, coordinator] = await Promise.all([connect('embassy'), connect('field'), connect('coordinator')]);
      const start = expectSnapshot(await requestSync(embassy, null)).seq;
      const visible = expectOk(await sendCommand(field, reportCommand(nigerians())));
      const neverSeen = expectOk(await sendCommand(field, reportCommand(nigerians({ consentConsulate: 'no' }))));
      const withdrawn = expectOk(await sendCommand(coordinator, updateCommand(visible.group.id, 1, { consentConsulate: 'no' })));
      expectOk(await sendCommand(coordinator, updateCommand(neverSeen.group.id, 1, { notes: 'x' })));

      const catchUp = expectChanges(await requestSync(embassy, start));

      // The group it could see when it left is gone now: one removal, not its old state first.
      expect(catchUp.changes).toEqual([{ kind: 'group.remove', seq: withdrawn.seq, groupId: visible.group.id }]);
    });

    it('of another state sees its own nationals only', async () => {
      const [niger, field] = await Promise.all([connect('embassyNiger'), connect('field')]);
      const nigerien = makeGroupInput({ nationalities: [{ code: 'NER', count: 4 }], consentConsulate: 'yes' });
      const received = waitForEvent(niger, 'change');
      expectOk(await sendCommand(field, reportCommand(nigerians())));
      expectOk(await sendCommand(field, reportCommand(nigerien)));

      const first = await received;
      expect(first.kind === 'group.upsert' && first.group.group.id).toBe(nigerien.id);
    });
  });

  it('gives a responder a reduced view: no counts, nationalities, notes or flags', async () => {
    const [responder, field] = await Promise.all([connect('responder'), connect('field')]);
    const group = nigerians({ notes: 'sensitive note', protectionConcern: true });
    const received = waitForEvent(responder, 'change', about(group.id));

    expectOk(await sendCommand(field, reportCommand(group)));

    const change = await received;
    expect(change).toMatchObject({ kind: 'group.upsert', group: { view: 'reduced' } });
    expect(JSON.stringify(change)).not.toMatch(/sensitive note|NGA|headcount|protectionConcern/);
  });

  it('gives an admin no groups: no live changes and no sync', async () => {
    const [admin, field] = await Promise.all([connect('admin'), connect('field')]);
    const got = collectChanges(admin);

    expectOk(await sendCommand(field, reportCommand(nigerians())));
    const sync = await requestSync(admin, null);

    expect(sync).toMatchObject({ ok: false, code: 'forbidden' });
    expect(got).toEqual([]);
  });

  it('keeps another crisis’s groups away from this crisis’s rooms', async () => {
    const [coordinator, otherField] = await Promise.all([connect('coordinator'), connect('otherField')]);
    const got = collectChanges(coordinator);

    const foreign = expectOk(await sendCommand(otherField, reportCommand()));
    const snapshot = expectSnapshot(await requestSync(coordinator, null));

    expect(got).toEqual([]);
    expect(snapshot.groups.some((v) => v.group.id === foreign.group.id)).toBe(false);
  });
});
