import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { GroupService } from '../../server/services/group.service';
import {
  connectFixture,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  statusCommand,
  updateCommand,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
const sockets: ClientSocket[] = [];

async function connect(account: keyof TestServer['fixtureAccounts']): Promise<ClientSocket> {
  const socket = await connectFixture(server, account);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await server.destroy();
});

describe(GroupService.name, () => {
  describe('group.report', () => {
    it('delivers a field report to a coordinator as a full view, and acks with its sequence number', async () => {
      const [field, coordinator] = await Promise.all([connect('field'), connect('coordinator')]);
      const group = makeGroupInput();
      const received = waitForEvent(coordinator, 'change', (c) => c.kind === 'group.upsert' && c.group.group.id === group.id);

      const ack = expectOk(await sendCommand(field, reportCommand(group)));
      const change = await received;

      expect(ack.seq).toBeGreaterThan(0);
      expect(ack.group).toMatchObject({ id: group.id, status: 'reported', version: 1, crisisId: server.crisisId });
      expect(change).toEqual({ kind: 'group.upsert', seq: ack.seq, group: { view: 'full', group: ack.group } });
    });

    it('refuses an invalid report with issues and stores nothing', async () => {
      const field = await connect('field');
      const before = { groups: await server.countRows('groups'), log: await server.countRows('change_log') };
      const valid = makeGroupInput();
      const group = { ...valid, headcount: { ...valid.headcount, total: 0 } };

      const ack = await sendCommand(field, reportCommand(group));

      expect(ack).toMatchObject({ ok: false, code: 'invalid' });
      expect(!ack.ok && ack.issues?.some((i) => i.path.join('.') === 'group.headcount.total')).toBe(true);
      expect({ groups: await server.countRows('groups'), log: await server.countRows('change_log') }).toEqual(before);
    });

    it('stores one group and returns the first result when the same command id is sent twice', async () => {
      const field = await connect('field');
      const command = reportCommand();
      const groupsBefore = await server.countRows('groups');

      const first = await sendCommand(field, command);
      const second = await sendCommand(field, command);

      expect(first.ok).toBe(true);
      expect(second).toEqual(first);
      expect(await server.countRows('groups')).toBe(groupsBefore + 1);
    });

    it('answers conflict with the current group when a new command reports an existing group id', async () => {
      const field = await connect('field');
      const group = makeGroupInput();
      expectOk(await sendCommand(field, reportCommand(group)));

      const again = await sendCommand(field, reportCommand({ ...group, notes: 'second report' }));

      expect(again).toMatchObject({ ok: false, code: 'conflict', current: { view: 'full', group: { id: group.id, notes: '' } } });
    });

    it('forbids a report from roles that may not write (responder, embassy, admin)', async () => {
      for (const account of ['responder', 'embassy', 'admin'] as const) {
        const socket = await connect(account);
        const ack = await sendCommand(socket, reportCommand());
        expect(ack, account).toMatchObject({ ok: false, code: 'forbidden' });
      }
    });
  });

  describe('group.update', () => {
    it('applies an edit on the current version and bumps it', async () => {
      const field = await connect('field');
      const reported = expectOk(await sendCommand(field, reportCommand()));

      const ack = expectOk(
        await sendCommand(
          field,
          updateCommand(reported.group.id, 1, {
            notes: 'seen again',
            headcount: {
              total: 20,
              female: { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 },
              male: { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 },
            },
          }),
        ),
      );

      expect(ack.seq).toBeGreaterThan(reported.seq);
      expect(ack.group).toMatchObject({ version: 2, notes: 'seen again', headcount: { total: 20 }, reportedAt: reported.group.reportedAt });
    });

    it('answers conflict with the current state when the base version is stale', async () => {
      const [field, coordinator] = await Promise.all([connect('field'), connect('coordinator')]);
      const reported = expectOk(await sendCommand(field, reportCommand()));
      const newer = expectOk(await sendCommand(coordinator, updateCommand(reported.group.id, 1, { notes: 'coordinator note' })));

      const stale = await sendCommand(field, updateCommand(reported.group.id, 1, { notes: 'field note' }));

      expect(stale).toMatchObject({ ok: false, code: 'conflict', current: { view: 'full', group: newer.group } });
    });

    it('refuses an edit whose merged group breaks a cross-field rule, and keeps the group as it was', async () => {
      const field = await connect('field');
      const reported = expectOk(await sendCommand(field, reportCommand(makeGroupInput({ headcount: { total: 12 } }))));

      const ack = await sendCommand(field, updateCommand(reported.group.id, 1, { nationalities: [{ code: 'SDN', count: 40 }] }));

      expect(ack).toMatchObject({ ok: false, code: 'invalid' });
      const snapshot = expectSnapshot(await requestSync(field, null));
      expect(snapshot.groups.find((v) => v.group.id === reported.group.id)?.group).toEqual(reported.group);
    });

    it('keeps the status of needs that stay and opens new ones', async () => {
      const coordinator = await connect('coordinator');
      const group = makeGroupInput();
      const reported = expectOk(await sendCommand(coordinator, reportCommand(group)));
      const [water] = group.needs;
      if (!water) throw new Error('factory group has no need');
      const food = { id: uuidv7(), type: 'food' as const, severity: 3, people: 5 };

      const ack = expectOk(await sendCommand(coordinator, updateCommand(reported.group.id, 1, { needs: [{ ...water, severity: 5 }, food] })));

      expect(ack.group.needs).toEqual([
        { ...water, severity: 5, status: 'open' },
        { ...food, status: 'open' },
      ]);
    });

    it('answers not_found for an unknown group and for a group of another crisis alike', async () => {
      const [field, otherField] = await Promise.all([connect('field'), connect('otherField')]);
      const reported = expectOk(await sendCommand(field, reportCommand()));

      const unknown = await sendCommand(field, updateCommand(uuidv7(), 1, { notes: 'x' }));
      const foreign = await sendCommand(otherField, updateCommand(reported.group.id, 1, { notes: 'x' }));

      expect(unknown).toMatchObject({ ok: false, code: 'not_found' });
      expect(foreign).toEqual(unknown);
    });
  });

  describe('group.setStatus', () => {
    it('moves a group along the status table', async () => {
      const coordinator = await connect('coordinator');
      const reported = expectOk(await sendCommand(coordinator, reportCommand()));

      const ack = expectOk(await sendCommand(coordinator, statusCommand(reported.group.id, 1, 'verified')));

      expect(ack.group).toMatchObject({ status: 'verified', version: 2 });
    });

    it('refuses a transition the table does not allow, and marking a duplicate without a merge', async () => {
      const coordinator = await connect('coordinator');
      const reported = expectOk(await sendCommand(coordinator, reportCommand()));

      const jump = await sendCommand(coordinator, statusCommand(reported.group.id, 1, 'evacuated'));
      const duplicate = await sendCommand(coordinator, statusCommand(reported.group.id, 1, 'duplicate'));

      expect(jump).toMatchObject({ ok: false, code: 'invalid' });
      expect(duplicate).toMatchObject({ ok: false, code: 'invalid' });
    });

    it('forbids a field user to change a status', async () => {
      const field = await connect('field');
      const reported = expectOk(await sendCommand(field, reportCommand()));

      const ack = await sendCommand(field, statusCommand(reported.group.id, 1, 'verified'));

      expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
    });

    it('answers conflict when the status change is based on a stale version', async () => {
      const coordinator = await connect('coordinator');
      const reported = expectOk(await sendCommand(coordinator, reportCommand()));
      expectOk(await sendCommand(coordinator, updateCommand(reported.group.id, 1, { notes: 'n' })));

      const stale = await sendCommand(coordinator, statusCommand(reported.group.id, 1, 'verified'));

      expect(stale).toMatchObject({ ok: false, code: 'conflict', current: { view: 'full', group: { version: 2 } } });
    });
  });

  it('writes an audit row for every applied command and none for a refused one', async () => {
    const coordinator = await connect('coordinator');
    const before = await server.countRows('audit');
    const reported = expectOk(await sendCommand(coordinator, reportCommand()));
    await sendCommand(coordinator, statusCommand(reported.group.id, 1, 'evacuated'));
    expectOk(await sendCommand(coordinator, updateCommand(reported.group.id, 1, { consentConsulate: 'yes', protectionConcern: true })));

    // report; update + consent change + protection flag change; nothing for the refused transition.
    expect(await server.countRows('audit')).toBe(before + 4);
  });
});
