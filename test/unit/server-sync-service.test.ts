import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { GroupService } from '../../server/services/group.service';
import { DEFAULT_PACKED_SNAPSHOT_POLICY, SyncService } from '../../server/services/sync.service';
import { expectOk, makeGroupInput, reportCommand, updateCommand } from '../support/clients';
import { makeAudience } from '../support/factories';

async function setUp(maxCatchUpChanges = 100, now?: () => number) {
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
  return {
    db,
    crisis,
    write,
    sync: new SyncService(repos, { maxCatchUpChanges }, now ? { now } : {}),
    reader: makeAudience({ role: 'coordinator', crisisId: crisis.id }),
  };
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

  describe('a packed snapshot shared between connections', () => {
    /** The packed snapshot's bytes and seq: the same bytes object when a build was reused. */
    async function packedOf(sync: SyncService, audience: ReturnType<typeof makeAudience>) {
      const ack = await sync.syncPacked(audience, null);
      if (!ack.ok || ack.mode !== 'packed') throw new Error('expected a packed snapshot');
      return { views: ack.views, seq: ack.seq, head: ack.head };
    }
    const LONG_AFTER_MS = DEFAULT_PACKED_SNAPSHOT_POLICY.maxStaleMs + 60_000;

    it("serves a coordinator's build as long as it is at the head of the log, however old", async () => {
      let now = 1_000_000;
      const { write, sync, reader } = await setUp(100, () => now);
      await write(reportCommand(makeGroupInput()));
      const first = await packedOf(sync, reader);
      now += LONG_AFTER_MS;
      const again = await packedOf(sync, reader);
      // Nothing changed since: the build is what a new one would be, so no new one is made.
      expect(again.views).toBe(first.views);
      expect(again.seq).toBe(again.head);
    });

    it("builds anew once a coordinator's build is both behind the log and old", async () => {
      let now = 1_000_000;
      const { write, sync, reader } = await setUp(100, () => now);
      await write(reportCommand(makeGroupInput()));
      const first = await packedOf(sync, reader);
      const later = await write(reportCommand(makeGroupInput()));
      // Recent: shared, and the client catches up the one change.
      expect((await packedOf(sync, reader)).views).toBe(first.views);
      now += LONG_AFTER_MS;
      const rebuilt = await packedOf(sync, reader);
      expect(rebuilt.views).not.toBe(first.views);
      expect(rebuilt.seq).toBe(later.seq);
    });

    it("does not serve anyone else's build once it is old, even at the head of the log", async () => {
      let now = 1_000_000;
      const { crisis, write, sync } = await setUp(100, () => now);
      await write(reportCommand(makeGroupInput()));
      const responder = makeAudience({ role: 'responder', crisisId: crisis.id, agencyId: '0190a0a0-0000-7000-8000-0000000000a1' });
      const first = await packedOf(sync, responder);
      expect((await packedOf(sync, responder)).views).toBe(first.views);
      now += LONG_AFTER_MS;
      expect((await packedOf(sync, responder)).views).not.toBe(first.views);
    });
  });
});
