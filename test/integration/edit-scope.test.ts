import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditPage } from '../../shared/schemas/admin.schema';
import { API_ROUTES, SessionInfo } from '../../shared/schemas/api.schema';
import type { Command } from '../../shared/schemas/command.schema';
import { COORDINATION_ROUTES, FieldTeamList } from '../../shared/schemas/coordination.schema';
import { ownOrigin, connectAs, expectOk, reportCommand, sendCommand, signIn, updateCommand, type ClientSocket } from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

// Protection issue: a field team edits the groups it reported or was asked to follow up, not
// every group of its crisis; a coordinator asks for follow-ups from the field teams of its crisis.

let server: TestServer;
const ACCOUNTS = ['coordinator', 'field', 'responder', 'embassy', 'admin', 'otherField'] as const satisfies readonly FixtureAccount[];
type Account = (typeof ACCOUNTS)[number];
const cookies = new Map<Account, string>();
const sockets = new Map<Account, ClientSocket>();
const ids = new Map<Account, string>();

beforeAll(async () => {
  server = await startTestServer();
  for (const account of ACCOUNTS) {
    const credentials = server.fixtureAccounts[account] ?? expect.fail(`no ${account}`);
    const cookie = await signIn(server.url, credentials.username, credentials.password);
    cookies.set(account, cookie);
    sockets.set(account, await connectAs(server.url, cookie));
    ids.set(account, SessionInfo.parse(await (await get(account, API_ROUTES.session)).json()).user.id);
  }
});
afterAll(async () => {
  for (const socket of sockets.values()) socket.close();
  await server.destroy();
});

const get = (a: Account, path: string) => fetch(`${server.url}${path}`, { headers: { cookie: cookies.get(a) ?? '' } });
const socketOf = (a: Account) => sockets.get(a) ?? expect.fail(`no socket for ${a}`);
const idOf = (a: Account) => ids.get(a) ?? expect.fail(`no id for ${a}`);
const followUp = (groupId: string, baseVersion: number, userId: string): Command => ({
  type: 'group.requestFollowUp',
  commandId: uuidv7(),
  groupId,
  baseVersion,
  userId,
});
const admin = (path: string, body?: unknown) =>
  fetch(`${server.url}${API_ROUTES.admin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookies.get('admin') ?? '', ...ownOrigin(server.url) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('field edit scope', () => {
  it('lets a field user edit a group they reported', async () => {
    const reported = expectOk(await sendCommand(socketOf('field'), reportCommand()));

    const ack = expectOk(await sendCommand(socketOf('field'), updateCommand(reported.group.id, 1, { notes: 'seen again' })));

    expect(ack.group).toMatchObject({ version: 2, notes: 'seen again' });
  });

  it('refuses a field user another team’s group they were not asked to follow up as not found, and changes nothing', async () => {
    const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));
    const log = await server.countRows('change_log');

    const ack = await sendCommand(socketOf('field'), updateCommand(reported.group.id, 1, { notes: 'not mine' }));

    // not_found, as for a responder: the field user holds this group only as an anonymous point
    // (or not at all when flagged, protection rule 11), and learns nothing more from the answer.
    expect(ack).toMatchObject({ ok: false, code: 'not_found' });
    expect(await server.countRows('change_log')).toBe(log);
  });

  it('refuses before the version check, so a stale edit of another team’s group is not found either (no current state leaks)', async () => {
    const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));
    expectOk(await sendCommand(socketOf('coordinator'), updateCommand(reported.group.id, 1, { notes: 'newer' })));

    const ack = await sendCommand(socketOf('field'), updateCommand(reported.group.id, 1, { notes: 'stale' }));

    expect(ack).toEqual({ ok: false, code: 'not_found', message: expect.any(String) });
  });

  it('lets a field user edit another team’s group once a coordinator asked them to follow it up', async () => {
    const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));

    const asked = expectOk(await sendCommand(socketOf('coordinator'), followUp(reported.group.id, 1, idOf('field'))));
    const ack = expectOk(await sendCommand(socketOf('field'), updateCommand(reported.group.id, asked.group.version, { notes: 'followed up' })));

    expect(asked.group).toMatchObject({ version: 2, followUpBy: [idOf('field')] });
    expect(ack.group).toMatchObject({ version: 3, notes: 'followed up', followUpBy: [idOf('field')] });
  });
});

describe('group.requestFollowUp', () => {
  it('records the request once however often it is asked, with a new version, a change and an audit entry each time', async () => {
    const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));
    const log = await server.countRows('change_log');

    const first = expectOk(await sendCommand(socketOf('coordinator'), followUp(reported.group.id, 1, idOf('field'))));
    const second = expectOk(await sendCommand(socketOf('coordinator'), followUp(reported.group.id, 2, idOf('field'))));

    expect(first.group.followUpBy).toEqual([idOf('field')]);
    expect(second.group).toMatchObject({ version: 3, followUpBy: [idOf('field')] });
    expect(await server.countRows('change_log')).toBe(log + 2);
    const audit = AuditPage.parse(await (await get('coordinator', `${API_ROUTES.audit}?action=group.follow_up_request&recordId=${reported.group.id}`)).json());
    expect(audit.entries).toHaveLength(2);
    expect(audit.entries[0]).toMatchObject({ userId: idOf('coordinator'), role: 'coordinator', outcome: 'ok' });
  });

  it('returns the first result when the same command id is sent again', async () => {
    const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));
    const command = followUp(reported.group.id, 1, idOf('field'));

    const first = await sendCommand(socketOf('coordinator'), command);
    const again = await sendCommand(socketOf('coordinator'), command);

    expect(again).toEqual(first);
    expect(expectOk(again).group.version).toBe(2);
  });

  it('answers conflict with the current group when the base version is stale', async () => {
    const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));
    const newer = expectOk(await sendCommand(socketOf('coordinator'), updateCommand(reported.group.id, 1, { notes: 'newer' })));

    const ack = await sendCommand(socketOf('coordinator'), followUp(reported.group.id, 1, idOf('field')));

    expect(ack).toMatchObject({ ok: false, code: 'conflict', current: { view: 'full', group: newer.group } });
  });

  it.each(['coordinator', 'responder', 'embassy', 'admin', 'otherField'] as const)(
    'refuses as invalid a user who is not an enabled field user of the crisis (%s)',
    async (target) => {
      const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));

      const ack = await sendCommand(socketOf('coordinator'), followUp(reported.group.id, 1, idOf(target)));

      expect(ack).toMatchObject({ ok: false, code: 'invalid' });
    },
  );

  it('refuses as invalid an unknown user id and a disabled field user, who is not offered either', async () => {
    const created = await admin('/users', {
      username: 'follow-up-disabled',
      password: 'a long passphrase',
      role: 'field',
      displayName: 'Disabled team',
      crisisId: server.crisisId,
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await admin(`/users/${id}/disable`)).status).toBe(200);
    const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand()));

    const disabled = await sendCommand(socketOf('coordinator'), followUp(reported.group.id, 1, id));
    const unknown = await sendCommand(socketOf('coordinator'), followUp(reported.group.id, 1, uuidv7()));

    expect(disabled).toMatchObject({ ok: false, code: 'invalid' });
    expect(unknown).toEqual(disabled);
    const teams = FieldTeamList.parse(await (await get('coordinator', COORDINATION_ROUTES.fieldTeams)).json()).teams;
    expect(teams.map((t) => t.id)).not.toContain(id);
  });

  it.each(['field', 'responder', 'embassy', 'admin'] as const)('forbids the request to a %s caller', async (caller) => {
    const reported = expectOk(await sendCommand(socketOf('field'), reportCommand()));

    const ack = await sendCommand(socketOf(caller), followUp(reported.group.id, 1, idOf('field')));

    expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
  });
});

describe(`GET ${COORDINATION_ROUTES.fieldTeams}`, () => {
  it('lists the enabled field users of the coordinator’s crisis by id and name only', async () => {
    const response = await get('coordinator', COORDINATION_ROUTES.fieldTeams);

    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    const { teams } = FieldTeamList.parse(body);
    expect(teams.map((t) => t.id)).toContain(idOf('field'));
    expect(teams.map((t) => t.id)).not.toContain(idOf('otherField'));
    expect(teams.map((t) => t.id)).not.toContain(idOf('coordinator'));
    expect(JSON.stringify(body)).not.toMatch(/passwordHash|username/);
  });

  it.each(['field', 'responder', 'embassy', 'admin', 'otherField'] as const)('is forbidden to %s', async (account) => {
    expect((await get(account, COORDINATION_ROUTES.fieldTeams)).status).toBe(403);
  });
});
