import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { summarizeGroup, type PackedView } from '../../shared/packed-views';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import type { Group, GroupView } from '../../shared/schemas/group.schema';
import { openDatabase } from '../../server/db/database';
import {
  connectFixture,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  unpackSnapshot,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

// A big crisis's coordinator starts from summaries (shared/packed-views.ts): no need or assignment
// id, no note, no author travels in it; the full group comes with a read of its details, a live
// change or a catch-up. Here "big" is 3 groups, the threshold lowered for the test.

const SUMMARIES_FROM = 3;
let server: TestServer;
const open: ClientSocket[] = [];
const NOTE = `note-${uuidv7()}`;
const ASSIGNMENT_NOTE = `assignment-note-${uuidv7()}`;
let assignmentId = '';

async function connect(key: FixtureAccount): Promise<ClientSocket> {
  const socket = await connectFixture(server, key);
  open.push(socket);
  return socket;
}

const fullGroups = (views: readonly GroupView[]): Group[] =>
  views.flatMap((v) => (v.view === 'full' ? [v.group] : [])).sort((a, b) => a.id.localeCompare(b.id));

beforeAll(async () => {
  server = await startTestServer({ syncPolicy: { summariesFromGroups: SUMMARIES_FROM } });
  const field = await connectFixture(server, 'field');
  const coordinator = await connectFixture(server, 'coordinator');
  const reported: Group[] = [];
  for (let i = 0; i < SUMMARIES_FROM; i++) {
    const input = makeGroupInput({
      notes: NOTE,
      needs: [
        { id: uuidv7(), type: 'water', severity: 4, people: 3 },
        { id: uuidv7(), type: 'shelter', severity: 2, people: 0 },
      ],
    });
    reported.push(expectOk(await sendCommand(field, reportCommand(input))).group);
  }
  const db = openDatabase(server.databaseFile, { readonly: true });
  const iom = db.prepare<[], { id: string }>("SELECT id FROM agencies WHERE acronym = 'IOM'").get();
  db.close();
  const target = reported[0]!;
  assignmentId = uuidv7();
  expectOk(
    await sendCommand(coordinator, {
      type: 'assignment.create',
      commandId: uuidv7(),
      groupId: target.id,
      baseVersion: target.version,
      assignment: { id: assignmentId, needId: target.needs[0]!.id, agencyId: iom!.id, note: ASSIGNMENT_NOTE, expectedBy: null },
    }),
  );
  field.close();
  coordinator.close();
});
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});
afterAll(async () => {
  await server.destroy();
});

describe('packed summaries', () => {
  it("gives a big crisis's coordinator summaries that carry no need or assignment id, note or author", async () => {
    const socket = await connect('coordinator');
    const plain = fullGroups(expectSnapshot(await requestSync(socket, null, false)).groups);
    const { text, views } = unpackSnapshot(await requestSync(socket, null, true));
    expect(plain.length).toBeGreaterThanOrEqual(SUMMARIES_FROM);
    expect(plain.some((g) => g.assignments.length > 0)).toBe(true);
    for (const g of plain) {
      const secrets = [...g.needs.map((n) => n.id), ...g.assignments.flatMap((a) => [a.id, a.needId, a.createdBy]), g.reportedBy];
      for (const id of secrets) {
        expect(text).not.toContain(id);
        expect(text).not.toContain(id.replaceAll('-', ''));
      }
    }
    expect(text).not.toContain(NOTE);
    expect(text).not.toContain(ASSIGNMENT_NOTE);
    expect(text).not.toContain(assignmentId.replaceAll('-', ''));
    // Each one exactly its full group summarised: nothing the projection did not give.
    expect(views.every((v) => v.view === 'summary')).toBe(true);
    const summaries = views.flatMap((v) => (v.view === 'summary' ? [v.group] : [])).sort((a, b) => a.id.localeCompare(b.id));
    expect(summaries).toEqual(plain.map(summarizeGroup));
  });

  it.each<FixtureAccount>(['field', 'responder', 'embassy'])('gives %s the views of the plain snapshot still (no summaries)', async (account) => {
    const socket = await connect(account);
    const plain = expectSnapshot(await requestSync(socket, null, false)).groups;
    const { views } = unpackSnapshot(await requestSync(socket, null, true));
    const byId = (list: readonly (GroupView | PackedView)[]) => [...list].sort((a, b) => a.group.id.localeCompare(b.group.id));
    expect(byId(views)).toEqual(byId(plain));
  });

  it('gives the full group with a read of its details (audited), and with the next live change', async () => {
    const socket = await connect('coordinator');
    const { views } = unpackSnapshot(await requestSync(socket, null, true));
    const id = views[0]!.group.id;
    const cookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
    const response = await fetch(`${server.url}${API_ROUTES.groups}/${id}`, { headers: { cookie } });
    const body = (await response.json()) as { group: GroupView };
    expect(body.group.view).toBe('full');
    if (body.group.view !== 'full') return;
    expect(body.group.group.notes).toBe(NOTE);
    expect(body.group.group.needs.every((n) => n.id.length === 36)).toBe(true);

    const field = await connect('field');
    const change = waitForEvent(socket, 'change');
    expectOk(
      await sendCommand(field, {
        type: 'group.update',
        commandId: uuidv7(),
        groupId: id,
        baseVersion: body.group.group.version,
        patch: { notes: `${NOTE} again` },
      }),
    );
    const event = await change;
    expect(event.kind === 'group.upsert' && event.group.view).toBe('full');
  });
});
