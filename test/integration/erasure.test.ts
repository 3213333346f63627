import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersOf } from '../../shared/counters';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { CounterHistory, COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import { RETENTION_ROUTES } from '../../shared/schemas/retention.schema';
import {
  collectChanges,
  connectAs,
  connectFixture,
  connectUser,
  expectChanges,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  ownOrigin,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  updateCommand,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';
import { sqliteBytesHold, tablesHolding } from '../support/stored-text';

const MARK = { place: 'Qzerasedplace', notes: 'Qzerasednote' } as const;

let server: TestServer;
let coordinator: ClientSocket;
let coordinatorCookie: string;

beforeAll(async () => {
  server = await startTestServer();
  coordinator = await connectUser(server.url, server.accounts.coordinator);
  coordinatorCookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
});
afterAll(async () => {
  coordinator.close();
  await server.destroy();
});

const erase = (groupId: string, body: unknown, cookie = coordinatorCookie) =>
  fetch(`${server.url}${RETENTION_ROUTES.erase(groupId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, ...ownOrigin(server.url) },
    body: JSON.stringify(body),
  });

describe('erasure of one group on request', () => {
  it('reaches an offline field phone when it reconnects, and leaves nothing of the group anywhere', async () => {
    // The field team reports the group from its phone, then the phone goes offline.
    let phone = await connectUser(server.url, server.accounts.field);
    const input = makeGroupInput({ location: { lat: 26.61234, lon: 12.71234, accuracyM: 4, placeName: MARK.place, siteType: 'other' }, notes: MARK.notes });
    const reportId = uuidv7();
    const reported = expectOk(await sendCommand(phone, reportCommand(input, reportId)));
    expectOk(await sendCommand(phone, updateCommand(input.id, reported.group.version, { notes: `${MARK.notes} again` })));
    const phoneSeq = expectSnapshot(await requestSync(phone, null)).seq;
    phone.close();

    // Another group, which must stay.
    const other = expectOk(await sendCommand(coordinator, reportCommand(makeGroupInput({ notes: 'Qzothernote' }))));
    const live = collectChanges(coordinator);
    const removal = waitForEvent(coordinator, 'change', (c) => c.kind === 'group.remove' && c.groupId === input.id);
    const auditBefore = await server.countRows('audit');

    const res = await erase(input.id, { reason: 'person_request' });
    expect(res.status).toBe(200);
    const { seq } = (await res.json()) as { ok: true; seq: number };

    // Connected devices delete their copy at once.
    expect(await removal).toEqual({ kind: 'group.remove', seq, groupId: input.id });
    expect(live.filter((c) => c.kind === 'group.upsert' && c.group.group.id === input.id)).toEqual([]);

    // The phone reconnects from where it was: the removal is in its catch-up.
    phone = await connectUser(server.url, server.accounts.field);
    const caught = expectChanges(await requestSync(phone, phoneSeq));
    expect(caught.changes).toContainEqual({ kind: 'group.remove', seq, groupId: input.id });
    // A phone that takes a snapshot does not get it back either.
    expect(expectSnapshot(await requestSync(phone, null)).groups.map((v) => v.group.id)).not.toContain(input.id);

    // The phone's outbox retries the report: a clear answer, never `internal`, and no group comes back.
    const retried = await sendCommand(phone, reportCommand(input, reportId));
    expect(retried).toMatchObject({ ok: false, code: 'not_found' });
    expect(expectSnapshot(await requestSync(coordinator, null)).groups.map((v) => v.group.id)).toEqual(expect.arrayContaining([other.group.id]));
    expect(expectSnapshot(await requestSync(coordinator, null)).groups.map((v) => v.group.id)).not.toContain(input.id);
    phone.close();

    // Reads of it are "not found"; one audit row and one ledger entry, with a reason code only.
    expect((await fetch(`${server.url}${API_ROUTES.groups}/${input.id}`, { headers: { cookie: coordinatorCookie } })).status).toBe(404);
    expect((await fetch(`${server.url}${COORDINATION_ROUTES.timeline(input.id)}`, { headers: { cookie: coordinatorCookie } })).status).toBe(404);
    const audited = await server.repositories.audit.query({ action: 'group.erase', recordId: input.id, limit: 10 });
    expect(audited).toMatchObject([
      { action: 'group.erase', recordType: 'group', recordId: input.id, outcome: 'ok', role: 'coordinator', detail: '{"reason":"person_request"}' },
    ]);
    // The audit log lost no row (append-only: the erasure added its own).
    expect(await server.countRows('audit')).toBeGreaterThan(auditBefore);
    const [entry] = await server.repositories.retention.listPurges();
    expect(entry).toMatchObject({ kind: 'erasure', groupId: input.id, groups: 1, reason: 'person_request' });

    // Counters: the history's end agrees with the groups that remain.
    const history = CounterHistory.parse(await (await fetch(`${server.url}${COORDINATION_ROUTES.history}`, { headers: { cookie: coordinatorCookie } })).json());
    const groups = expectSnapshot(await requestSync(coordinator, null)).groups.flatMap((v) => (v.view === 'full' ? [v.group] : []));
    const c = countersOf(groups);
    expect(history.points.at(-1)).toMatchObject({ stranded: c.stranded, inNeed: c.inNeed, assisted: c.assisted, evacuated: c.evacuated });

    // Nothing of its details is stored anywhere.
    const location = { databaseUrl: server.databaseUrl, databaseFile: server.databaseFile };
    for (const marker of [MARK.place, MARK.notes, '26.61234'])
      expect({ marker, tables: await tablesHolding(location, marker) }).toEqual({ marker, tables: [] });
    if (!server.databaseUrl) {
      await server.stop();
      expect(sqliteBytesHold(server.databaseFile, [MARK.place, MARK.notes, '26.61234'])).toEqual([]);
      expect(sqliteBytesHold(server.databaseFile, ['Qzothernote'])).toEqual(['Qzothernote']);
      await server.restart();
      coordinator.close();
      coordinator = await connectUser(server.url, server.accounts.coordinator);
      coordinatorCookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
    }
  });

  it('refuses bad requests by name and changes nothing', async () => {
    const group = expectOk(await sendCommand(coordinator, reportCommand())).group;
    const head = await server.countRows('change_log');
    const fieldCookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
    const cases: [Response, number, string][] = [
      [await erase(group.id, {}), 400, 'invalid'],
      [await erase(group.id, { reason: 'because I said so' }), 400, 'invalid'],
      [await erase(group.id, { reason: 'person_request', extra: 1 }), 400, 'invalid'],
      [await erase(group.id, { reason: 'person_request' }, fieldCookie), 403, 'forbidden'],
      [await erase(uuidv7(), { reason: 'person_request' }), 404, 'not_found'],
      [await erase('not-a-uuid', { reason: 'person_request' }), 404, 'not_found'],
    ];
    for (const [res, status, code] of cases) {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ ok: false, code });
    }
    expect(await server.countRows('change_log')).toBe(head);
  });

  it("is not found for a coordinator of another crisis's group", async () => {
    const other = await connectFixture(server, 'otherField');
    const theirs = expectOk(await sendCommand(other, reportCommand())).group;
    other.close();
    const res = await erase(theirs.id, { reason: 'recorded_in_error' });
    expect(res.status).toBe(404);
    const embassy = await connectAs(server.url, await signIn(server.url, server.accounts.embassy.username, server.accounts.embassy.password));
    embassy.close();
  });
});
