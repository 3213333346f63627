import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { AuthService } from '../../server/services/auth.service';
import { GroupService } from '../../server/services/group.service';
import { Command } from '../../shared/schemas/command.schema';
import { Group } from '../../shared/schemas/group.schema';
import { expectOk, makeGroupInput, reportCommand } from '../support/clients';

async function setUp() {
  const db = openDatabase(':memory:');
  const repos = createRepositories(db);
  const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
  const crisis = await admin.createCrisis({ name: 'c', type: 'conflict', hostCountry: 'LBY', phase: 'preparedness', area: [9, 19, 25, 33] });
  await admin.createUser({ username: 'amal', password: 'long enough password', role: 'field', displayName: 'Amal', crisisId: crisis.id });
  const user = await repos.users.findByUsername('amal');
  if (!user) throw new Error('no user');
  const audience = await new AuthService(repos, { idleMs: 1e9, absoluteMs: 1e9 }).audienceOf(user);
  return { db, repos, groups: new GroupService(repos), actor: { userId: user.id, audience } };
}

describe('a report is validated once (by the command parse)', () => {
  it('stores the group exactly as the group schema would have made it, in its row and its log row; the idempotency record points at the log', async () => {
    const { db, groups, actor } = await setUp();
    const command = Command.parse(reportCommand(makeGroupInput({ notes: 'n', headcount: { total: 20, female: { age18to59: 3 } } })));

    const outcome = await groups.execute(actor, command);

    if (!outcome.ack.ok) throw new Error(outcome.ack.message);
    const stored = db.prepare<[], { data: string }>('SELECT data FROM groups').get()?.data ?? '';
    const logged = db.prepare<[], { data: string }>('SELECT data FROM change_log').get()?.data ?? '';
    const record = db.prepare<[], { result: string | null; first_seq: number; last_seq: number }>('SELECT result, first_seq, last_seq FROM idempotency').get();
    // Building the group without a second parse gives the same value, with the same key order.
    expect(stored).toBe(JSON.stringify(Group.parse(JSON.parse(stored))));
    expect(logged).toBe(stored);
    expect(record).toEqual({ result: null, first_seq: outcome.ack.seq, last_seq: outcome.ack.seq });
    expect(outcome.ack).toEqual({ ok: true, seq: outcome.committed[0]?.seq, group: { view: 'full', group: JSON.parse(stored) } });
    expect(JSON.parse(stored)).toMatchObject({ status: 'reported', version: 1, assignments: [], followUpBy: [], mergedInto: null, reportedBy: actor.userId });
  });

  it('answers a repeated command id with the first ack, read back from the change log it points at', async () => {
    const { groups, actor } = await setUp();
    const command = Command.parse(reportCommand());

    const first = await groups.execute(actor, command);
    const again = await groups.execute(actor, command);

    expect(again.ack).toEqual(first.ack);
    expect(again.committed).toEqual([]);
  });

  it('answers a repeated merge (two changes) with its first ack: the last sequence number and the merged group', async () => {
    const { repos, groups, actor } = await setUp();
    const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
    await admin.createUser({ username: 'cora', password: 'long enough password', role: 'coordinator', displayName: 'Cora', crisisId: actor.audience.crisisId });
    const user = await repos.users.findByUsername('cora');
    if (!user) throw new Error('no user');
    const coordinator = { userId: user.id, audience: await new AuthService(repos, { idleMs: 1e9, absoluteMs: 1e9 }).audienceOf(user) };
    const [a, b] = [
      expectOk((await groups.execute(actor, Command.parse(reportCommand()))).ack),
      expectOk((await groups.execute(actor, Command.parse(reportCommand()))).ack),
    ];
    const merge = Command.parse({
      type: 'group.merge',
      commandId: uuidv7(),
      groupId: a.group.id,
      baseVersion: a.group.version,
      intoGroupId: b.group.id,
      intoBaseVersion: b.group.version,
    });

    const first = await groups.execute(coordinator, merge);
    const again = await groups.execute(coordinator, merge);

    expect(first.committed).toHaveLength(2);
    if (!first.ack.ok) throw new Error(first.ack.message);
    expect(first.ack.seq).toBe(first.committed[1]?.seq);
    expect(expectOk(first.ack).group).toMatchObject({ id: a.group.id, status: 'duplicate', mergedInto: b.group.id });
    expect(again).toEqual({ ack: first.ack, committed: [] });
  });
});
