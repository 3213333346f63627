import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxEntry, type OutboxPersistence } from '../../client/lib/sync/outbox.svelte';
import { reportCommand } from '../support/clients';

/** The device's storage as the outbox sees it, in memory, with a log of the writes in order. */
class MemoryStore implements OutboxPersistence {
  readonly records = new Map<string, { userId: string; entry: OutboxEntry }>();
  readonly log: string[] = [];
  async loadOutbox(userId: string): Promise<OutboxEntry[]> {
    return [...this.records.values()]
      .filter((r) => r.userId === userId)
      .map((r) => r.entry)
      .sort((a, b) => (a.command.commandId < b.command.commandId ? -1 : 1));
  }
  async putEntry(userId: string, entry: OutboxEntry): Promise<void> {
    this.log.push(`put ${entry.command.commandId} ${entry.status}`);
    this.records.set(entry.command.commandId, { userId, entry: structuredClone(entry) });
  }
  async deleteEntry(commandId: string): Promise<void> {
    this.log.push(`delete ${commandId}`);
    this.records.delete(commandId);
  }
}

describe(Outbox.name, () => {
  it('stores each change on the device in the order it was made, and is settled when all are written', async () => {
    const store = new MemoryStore();
    const outbox = new Outbox(store, 'user-1');
    const [a, b] = [reportCommand(), reportCommand()];
    void outbox.add(a);
    void outbox.add(b);
    void outbox.markSent(a.commandId, 7);
    void outbox.dismiss(a.commandId);
    expect(outbox.unsaved).toBe(4);
    await outbox.settled();
    expect(outbox.unsaved).toBe(0);
    expect(store.log).toEqual([`put ${a.commandId} waiting`, `put ${b.commandId} waiting`, `put ${a.commandId} sent`, `delete ${a.commandId}`]);
    expect([...store.records.keys()]).toEqual([b.commandId]);
  });

  it('reads back what an earlier visit left, waiting entries oldest first, and only this user’s', async () => {
    const store = new MemoryStore();
    const before = new Outbox(store, 'user-1');
    const commands = [reportCommand(), reportCommand(), reportCommand()];
    for (const command of commands) void before.add(command);
    void new Outbox(store, 'user-2').add(reportCommand());
    await before.settled();

    const after = new Outbox(store, 'user-1');
    await after.load();
    expect(after.waiting.map((e) => e.command.commandId)).toEqual(commands.map((c) => c.commandId));
  });

  it('never lets a waiting entry be dismissed, and keeps a refusal with its reason until dismissed', async () => {
    const outbox = new Outbox(new MemoryStore(), 'user-1');
    const command = reportCommand();
    await outbox.add(command);
    await outbox.dismiss(command.commandId);
    expect(outbox.waiting).toHaveLength(1);
    await outbox.markRejected(command.commandId, { ok: false, code: 'invalid', message: 'no' }, null);
    expect(outbox.get(command.commandId)?.failure?.code).toBe('invalid');
    expect(outbox.waiting).toHaveLength(0);
    await outbox.dismiss(command.commandId);
    expect(outbox.entries).toHaveLength(0);
  });

  it('does not send a stored entry that no longer parses, but lists it until the person discards it', async () => {
    const store = new MemoryStore();
    const good = reportCommand();
    await new Outbox(store, 'user-1').add(good);
    const broken: OutboxEntry = { ...store.records.get(good.commandId)!.entry, command: { ...good, commandId: 'not-a-uuid' } };
    store.records.set('not-a-uuid', { userId: 'user-1', entry: broken });
    const outbox = new Outbox(store, 'user-1');
    await outbox.load();
    expect(outbox.waiting.map((e) => e.command.commandId)).toEqual([good.commandId]);
    expect(outbox.unreadable.map((u) => u.commandId)).toEqual(['not-a-uuid']);
    await outbox.discardUnreadable('not-a-uuid');
    expect(outbox.unreadable).toEqual([]);
    expect(store.records.has('not-a-uuid')).toBe(false);
  });
});
