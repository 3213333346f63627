import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbassyAggregates } from '../../shared/aggregate';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { changedId } from '../../shared/schemas/sync.schema';
import {
  collectChanges,
  connectAs,
  connectUser,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  statusCommand,
  updateCommand,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let coordinator: ClientSocket;
let embassy: ClientSocket;
let embassyCookie: string;

beforeAll(async () => {
  server = await startTestServer();
  coordinator = await connectUser(server.url, server.accounts.coordinator);
  embassyCookie = await signIn(server.url, server.accounts.embassy.username, server.accounts.embassy.password);
  embassy = await connectAs(server.url, embassyCookie);
});
afterAll(async () => {
  coordinator.close();
  embassy.close();
  await server.destroy();
});

const getAs = (path: string) => fetch(`${server.url}${path}`, { headers: { cookie: embassyCookie } });

describe('withdrawing consent while the embassy is connected', () => {
  it('sends a removal, then nothing about the group on any channel but an aggregate count', async () => {
    const input = makeGroupInput({
      location: { lat: 26.5, lon: 12.5, accuracyM: 5, placeName: 'Withdrawn place', siteType: 'urban_dispersed' },
      nationalities: [{ code: 'NGA', count: 8 }],
      consentConsulate: 'yes',
    });
    const reported = expectOk(await sendCommand(coordinator, reportCommand(input)));
    await requestSync(embassy, 0); // barrier: the upsert has arrived
    expect((await getAs(`${API_ROUTES.groups}/${input.id}`)).status).toBe(200);
    const got = collectChanges(embassy);
    const removal = waitForEvent(embassy, 'change', (c) => c.kind === 'group.remove' && c.groupId === input.id);

    const withdrawn = expectOk(await sendCommand(coordinator, updateCommand(input.id, reported.group.version, { consentConsulate: 'no' })));

    expect(await removal).toEqual({ kind: 'group.remove', seq: withdrawn.seq, groupId: input.id });
    // More changes to the group: notes, status, even its nationality.
    let v = withdrawn.group.version;
    v = expectOk(await sendCommand(coordinator, updateCommand(input.id, v, { notes: 'after withdrawal' }))).group.version;
    v = expectOk(await sendCommand(coordinator, statusCommand(input.id, v, 'verified'))).group.version;
    expectOk(await sendCommand(coordinator, updateCommand(input.id, v, { nationalities: [{ code: 'NGA', count: 9 }] })));
    const snapshot = expectSnapshot(await requestSync(embassy, null)); // also a barrier for the live feed

    expect(got.filter((c) => changedId(c) === input.id)).toEqual([{ kind: 'group.remove', seq: withdrawn.seq, groupId: input.id }]);
    expect(snapshot.groups.map((g) => g.group.id)).not.toContain(input.id);
    const read = await getAs(`${API_ROUTES.groups}/${input.id}`);
    expect(read.status).toBe(404);
    const text = await (await getAs(API_ROUTES.aggregates)).text();
    expect(text).not.toContain(input.id);
    expect(text).not.toContain('Withdrawn place');
    const { areas } = EmbassyAggregates.parse((JSON.parse(text) as { aggregates: unknown }).aggregates);
    // Its 9 people, released rounded down to 5 (protection rule 10).
    expect(areas.some((a) => a.people === 5 && a.byStatus['verified'] === 5)).toBe(true);
  });
});
