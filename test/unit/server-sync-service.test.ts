import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { GroupService } from '../../server/services/group.service';
import { SyncService } from '../../server/services/sync.service';
import { expectOk, makeGroupInput, reportCommand, updateCommand } from '../support/clients';
import { makeAudience } from '../support/factories';

async function setUp(maxCatchUpChanges = 100) {
  const db = openDatabase(':memory:');
  const repos = createRepositories(db);
  const crisis = await new AdminService(repos).createCrisis({ name: 'c', type: 'conflict', hostCountry: 'LBY', phase: 'preparedness', area: [9, 19, 25, 33] });
  const userId = '0190a0a0-0000-7000-8000-0000000000f1';
  db.prepare("INSERT INTO users VALUES (?, 'f', 'x', 'field', 'F', NULL, ?, 0, 'now')").run(userId, crisis.id);
  const writer = { userId, audience: makeAudience({ userId, role: 'field', crisisId: crisis.id }) };
  const groups = new GroupService(repos);
  const write = async (command: Parameters<GroupService['execute']>[1]) => {
    return expectOk((await groups.execute(writer, command)).ack);
  };
  return { db, crisis, write, sync: new SyncService(repos, { maxCatchUpChanges }), reader: makeAudience({ role: 'coordinator', crisisId: crisis.id }) };
}

describe(SyncService.name, () => {
  it('replays the changes after a position, in order', async () => {
    const { write, sync, reader } = await setUp();
    const a = await write(reportCommand());
    const b = await write(reportCommand());
    const c = await write(updateCommand(a.group.id, 1, { notes: 'n' }));

    const result = await sync.sync(reader, a.seq);

    expect(result).toMatchObject({ ok: true, mode: 'changes', seq: c.seq });
    expect(result.ok && result.mode === 'changes' && result.changes.map((x) => x.seq)).toEqual([b.seq, c.seq]);
  });

  it('sends a snapshot when the change after the position is no longer retained', async () => {
    const { db, write, sync, reader } = await setUp();
    const a = await write(reportCommand());
    await write(reportCommand(makeGroupInput()));
    await write(reportCommand(makeGroupInput()));
    // Retention (a later feature) deletes the oldest rows.
    db.prepare('DELETE FROM change_log WHERE seq <= ?').run(a.seq + 1);

    expect(await sync.sync(reader, a.seq)).toMatchObject({ mode: 'snapshot' });
    expect(await sync.sync(reader, a.seq + 1)).toMatchObject({ mode: 'changes' });
  });

  it('sends a snapshot when more changes are missing than the limit', async () => {
    const { write, sync, reader } = await setUp(2);
    for (let i = 0; i < 3; i++) await write(reportCommand());

    expect(await sync.sync(reader, 0)).toMatchObject({ mode: 'snapshot' });
    expect(await sync.sync(reader, 1)).toMatchObject({ mode: 'changes' });
  });

  it('refuses roles that do not read groups and users without a crisis', async () => {
    const { sync, crisis } = await setUp();

    expect(await sync.sync(makeAudience({ role: 'admin', crisisId: null }), null)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await sync.sync(makeAudience({ role: 'coordinator', crisisId: null }), null)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await sync.sync(makeAudience({ role: 'admin', crisisId: crisis.id }), null)).toMatchObject({ ok: false, code: 'forbidden' });
  });
});
