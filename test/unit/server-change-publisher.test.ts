import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConsoleLogger, silentLogger, type LogFields, type Logger } from '../../server/log';
import type { ChangeSource } from '../../server/services/committed-changes';
import type { CommittedChange } from '../../server/services/group.service';
import { audienceRoom } from '../../server/socket/audience-room';
import { ChangePublisher } from '../../server/socket/change-publisher';
import type { WaymarkIo } from '../../server/socket/socket-server';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { makeAudience, makeGroup } from '../support/factories';

const crisisId = '0190a0a0-0000-7000-8000-00000000000a';
const room = audienceRoom(makeAudience({ role: 'coordinator', crisisId }));
if (!room) throw new Error('a coordinator has a room');

/** The shared change log several processes append to; `head` is how far it is committed. */
class Log implements ChangeSource {
  readonly changes: CommittedChange[];
  head = 0;
  constructor(length: number) {
    this.changes = Array.from({ length }, (_, i) => ({ seq: i + 1, crisisId, before: null, after: makeGroup({ crisisId }) }));
  }
  headSeq(): Promise<number> {
    return Promise.resolve(this.head);
  }
  /** Read as the log stands when asked; the answer arrives a few turns later, as a database's would. */
  async between(afterSeq: number, uptoSeq: number, limit: number): Promise<CommittedChange[]> {
    const read = this.changes.filter((c) => c.seq > afterSeq && c.seq <= Math.min(uptoSeq, this.head)).slice(0, limit);
    for (let i = 0; i < this.delay; i++) await Promise.resolve();
    return read;
  }
  /** How many microtask turns a read takes (the property below varies it). */
  delay = 0;
}

/** A write lock as `mayRead` sees it: passed at once while open, once opened again while closed. */
class Gate {
  #closed: { done: Promise<void>; open: () => void } | null = null;
  close(): void {
    if (this.#closed) return;
    let open = () => {};
    const done = new Promise<void>((resolve) => (open = resolve));
    this.#closed = { done, open };
  }
  open(): void {
    this.#closed?.open();
    this.#closed = null;
  }
  passed(): Promise<void> {
    return this.#closed?.done ?? Promise.resolve();
  }
}

/** Just enough of Socket.IO for the publisher: one live room, and what was emitted to it locally. */
function fakeIo(roomName: string): { io: WaymarkIo; sent: ChangeEvent[] } {
  const sent: ChangeEvent[] = [];
  const io = {
    of: () => ({ adapter: { rooms: new Map([[roomName, new Set(['socket-1'])]]) } }),
    // A group commit's (or a catch-up's) several changes for one room arrive as one `changes` message.
    local: {
      to: () => ({
        emit: (event: 'change' | 'changes', payload: ChangeEvent | ChangeEvent[]) =>
          event === 'changes' ? sent.push(...(payload as ChangeEvent[])) : sent.push(payload as ChangeEvent),
      }),
    },
  };
  // A structural stand-in: the publisher reads only these two members.
  return { io: io as unknown as WaymarkIo, sent };
}

describe(ChangePublisher.name, () => {
  it('fills a gap from the log: another process’s change goes out before this one’s', async () => {
    const log = new Log(3);
    const { io, sent } = fakeIo(room.name);
    const announced: number[] = [];
    const publisher = new ChangePublisher(io, silentLogger, log, (seq) => announced.push(seq));
    await publisher.ready();
    publisher.register(room);

    log.head = 1;
    publisher.publish(log.changes[0]!);
    log.head = 3; // seq 2 committed on another process, its announcement not here yet
    publisher.publish(log.changes[2]!);
    await publisher.catchUp(2); // the late announcement

    expect(sent.map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(announced).toEqual([1, 3]);
  });

  it('starts after what the log held when it was built', async () => {
    const log = new Log(4);
    log.head = 2;
    const { io, sent } = fakeIo(room.name);
    const publisher = new ChangePublisher(io, silentLogger, log);
    await publisher.ready();
    publisher.register(room);
    log.head = 4;

    await publisher.catchUp();

    expect(sent.map((c) => c.seq)).toEqual([3, 4]);
  });

  it('sends every committed change exactly once and in order, however commits, announcements, checks and slow reads interleave', async () => {
    // Each step: this process commits the next change, or another process does (announced or not),
    // or an announcement of some committed seq arrives, or the periodic check runs; catch-ups are
    // not awaited, and a step may let some microtask turns pass (reads take 0-3 turns), so reads
    // still under way meet the commits that follow them.
    const step = fc.oneof(
      fc.constant({ kind: 'own' as const }),
      fc.constant({ kind: 'remote' as const }),
      fc.record({ kind: fc.constant('announce' as const), back: fc.nat(5) }),
      fc.constant({ kind: 'check' as const }),
      fc.record({ kind: fc.constant('wait' as const), turns: fc.nat(4) }),
      // This process's write batch takes the store's write lock, or commits: reads wait meanwhile.
      fc.constant({ kind: 'lock' as const }),
      fc.constant({ kind: 'unlock' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), fc.nat(3), async (steps, delay) => {
        const log = new Log(steps.length);
        log.delay = delay;
        const { io, sent } = fakeIo(room.name);
        const publisher = new ChangePublisher(io, silentLogger, log);
        const lock = new Gate();
        publisher.mayRead = () => lock.passed();
        await publisher.ready();
        publisher.register(room);
        for (const s of steps) {
          switch (s.kind) {
            case 'own':
              log.head += 1;
              publisher.publish(log.changes[log.head - 1]!);
              break;
            case 'remote':
              log.head += 1;
              break;
            case 'announce':
              if (log.head > 0) void publisher.catchUp(Math.max(1, log.head - s.back));
              break;
            case 'check':
              void publisher.catchUp();
              break;
            case 'wait':
              for (let i = 0; i < s.turns; i++) await Promise.resolve();
              break;
            case 'lock':
              lock.close();
              break;
            case 'unlock':
              lock.open();
              break;
          }
        }
        lock.open();
        await publisher.catchUp();
        expect(sent.map((c) => c.seq)).toEqual(Array.from({ length: log.head }, (_, i) => i + 1));
      }),
    );
  });
});

/** Just enough of Socket.IO: which rooms have members, and what was emitted to which room. */
function fakeRoomsIo(roomNames: string[]) {
  const sent: { room: string; event: string; payload: unknown }[] = [];
  const rooms = new Map(roomNames.map((name) => [name, new Set(['a-socket'])]));
  const io = {
    of: () => ({ adapter: { rooms } }),
    local: { to: (room: string) => ({ emit: (event: string, payload: unknown) => void sent.push({ room, event, payload }) }) },
  } as unknown as WaymarkIo;
  return { io, sent };
}

/** A change log already published up to `head`, with nothing to catch up. */
const logAt = (head: number): ChangeSource => ({ headSeq: () => Promise.resolve(head), between: () => Promise.resolve([]) });

describe(`${ChangePublisher.name}, batches`, () => {
  const coordinators = audienceRoom(makeAudience({ role: 'coordinator', crisisId }))!;
  const nigeria = audienceRoom(makeAudience({ role: 'embassy', crisisId, servesState: 'NGA' }))!;
  const change = (seq: number, nationality: string): CommittedChange => ({
    seq,
    crisisId,
    before: null,
    after: makeGroup({ crisisId, nationalities: [{ code: nationality, count: 2 }], consentConsulate: 'yes' }),
  });

  it('sends a group commit’s changes as one message per room, in commit order, each projected for the room', async () => {
    const { io, sent } = fakeRoomsIo([coordinators.name, nigeria.name]);
    const publisher = new ChangePublisher(io, silentLogger, logAt(0));
    await publisher.ready();
    publisher.register(coordinators);
    publisher.register(nigeria);

    publisher.publishAll([change(1, 'NGA'), change(2, 'NER'), change(3, 'NGA')]);

    const seqs = (payload: unknown) => (Array.isArray(payload) ? payload.map((e: { seq: number }) => e.seq) : [(payload as { seq: number }).seq]);
    expect(sent.map((s) => ({ room: s.room, event: s.event, seqs: seqs(s.payload) }))).toEqual([
      { room: coordinators.name, event: 'changes', seqs: [1, 2, 3] },
      { room: nigeria.name, event: 'changes', seqs: [1, 3] },
    ]);
  });

  it('sends a lone visible change as a plain change event, and nothing to a room that may see none', async () => {
    const { io, sent } = fakeRoomsIo([coordinators.name, nigeria.name]);
    const publisher = new ChangePublisher(io, silentLogger, logAt(3));
    await publisher.ready();
    publisher.register(coordinators);
    publisher.register(nigeria);

    publisher.publishAll([change(4, 'NER')]);
    publisher.publishAll([]);

    expect(sent.map((s) => [s.room, s.event])).toEqual([[coordinators.name, 'change']]);
    expect(sent[0]?.payload).toMatchObject({ kind: 'group.upsert', seq: 4 });
    expect(publisher.publishedSeq).toBe(4);
  });

  it('reads the log when a batch does not follow what was published (another process committed between)', async () => {
    const { io, sent } = fakeRoomsIo([coordinators.name]);
    const missed = change(2, 'NER');
    const source: ChangeSource = {
      headSeq: () => Promise.resolve(1),
      between: (after, upto) => Promise.resolve([missed, change(3, 'NGA')].filter((c) => c.seq > after && c.seq <= upto)),
    };
    const publisher = new ChangePublisher(io, silentLogger, source);
    await publisher.ready();
    publisher.register(coordinators);

    publisher.publishAll([change(3, 'NGA')]);
    await publisher.catchUp(3);

    expect(sent.map((s) => [s.event, (s.payload as { seq: number }[]).map((e) => e.seq)])).toEqual([['changes', [2, 3]]]);
    expect(publisher.publishedSeq).toBe(3);
  });

  it('reads only the gap before a batch of its own, and sends the batch from memory in the same message', async () => {
    const { io, sent } = fakeRoomsIo([coordinators.name]);
    const reads: [number, number][] = [];
    const logged = [change(2, 'NER'), change(3, 'NGA'), change(4, 'NGA')];
    const source: ChangeSource = {
      headSeq: () => Promise.resolve(1),
      between: (after, upto) => {
        reads.push([after, upto]);
        return Promise.resolve(logged.filter((c) => c.seq > after && c.seq <= upto));
      },
    };
    const publisher = new ChangePublisher(io, silentLogger, source);
    await publisher.ready();
    publisher.register(coordinators);

    // Seq 2 committed on another process; 3 and 4 here, kept in memory as they were committed.
    const own = [change(3, 'BEN'), change(4, 'BEN')];
    publisher.publishAll(own);
    await publisher.catchUp(4);

    expect(reads).toEqual([[1, 2]]);
    expect(sent.map((s) => [s.event, (s.payload as { seq: number }[]).map((e) => e.seq)])).toEqual([['changes', [2, 3, 4]]]);
    // The batch's own states, not the log's copies of them.
    const payload = JSON.stringify(sent[0]!.payload);
    for (const c of own) expect(payload).toContain(c.after.id);
    for (const c of logged.slice(1)) expect(payload).not.toContain(c.after.id);
    expect(publisher.publishedSeq).toBe(4);
  });

  it('reads nothing while this process holds the write lock, and catches up once it commits', async () => {
    const { io, sent } = fakeRoomsIo([coordinators.name]);
    const reads: number[] = [];
    const source: ChangeSource = {
      headSeq: () => Promise.resolve(1),
      between: (after, upto) => {
        reads.push(upto);
        return Promise.resolve([change(2, 'NER')].filter((c) => c.seq > after && c.seq <= upto));
      },
    };
    const publisher = new ChangePublisher(io, silentLogger, source);
    const lock = new Gate();
    publisher.mayRead = () => lock.passed();
    await publisher.ready();
    publisher.register(coordinators);

    lock.close();
    const announced = publisher.catchUp(2); // another node's commit, announced while this one holds the lock
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(reads).toEqual([]);
    lock.open();
    await announced;
    expect(reads).toEqual([2]);
    expect(sent.map((s) => s.event)).toEqual(['change']);
  });

  it('logs one info line per published batch; the per-change lines only at debug level', async () => {
    const log = new Log(3);
    log.head = 3;
    const { io } = fakeIo(room.name);
    const lines: { level: string; event: string; fields?: LogFields }[] = [];
    const at = (level: string) => (event: string, fields?: LogFields) => void lines.push({ level, event, ...(fields ? { fields } : {}) });
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const publisher = new ChangePublisher(io, logger, logAt(0));
    await publisher.ready();
    publisher.register(room);

    publisher.publishAll(log.changes);

    expect(lines.filter((l) => l.level === 'info')).toEqual([{ level: 'info', event: 'changes.published', fields: { fromSeq: 1, toSeq: 3, changes: 3 } }]);
    expect(lines.filter((l) => l.level === 'debug').map((l) => l.fields?.['seq'])).toEqual([1, 2, 3]);
  });

  it('prints nothing below the console logger’s level (debug is off by default)', () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      createConsoleLogger().debug('change.published', { seq: 1 });
      createConsoleLogger('debug').debug('change.published', { seq: 2 });
    } finally {
      process.stdout.write = original;
    }
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!)).toMatchObject({ level: 'debug', event: 'change.published', seq: 2 });
  });

  it('sends what a group is at the end of a batch, never a state of it the same batch replaced (protection rule 8)', async () => {
    // One group commit: a field team's edit of a group an embassy may see, then a coordinator's
    // protection flag on it, committed together. Published change by change, the embassy received
    // the edited group (its nationals, its place) and then its removal, both after the flag stood.
    const embassy = audienceRoom(makeAudience({ role: 'embassy', crisisId, agencyId: '0190a0a0-0000-7000-8000-0000000000ee', servesState: 'NGA' }));
    if (!embassy) throw new Error('an embassy has a room');
    const seen = makeGroup({ crisisId, nationalities: [{ code: 'NGA', count: 3 }], consentConsulate: 'yes', protectionConcern: false });
    const edited = { ...seen, version: seen.version + 1, notes: 'moved to the port', location: { ...seen.location, placeName: 'Qzportplace' } };
    const flagged = { ...edited, version: edited.version + 1, protectionConcern: true };
    const log = new Log(0);
    log.changes.push({ seq: 1, crisisId, before: seen, after: edited }, { seq: 2, crisisId, before: edited, after: flagged });
    const { io, sent } = fakeIo(embassy.name);
    const publisher = new ChangePublisher(io, silentLogger, log);
    await publisher.ready();
    publisher.register(embassy);
    log.head = 2;
    publisher.publishAll(log.changes);

    expect(JSON.stringify(sent)).not.toContain('Qzportplace');
    expect(sent).toEqual([{ kind: 'group.remove', seq: 2, groupId: seen.id }]);
    expect(publisher.publishedSeq).toBe(2);
  });
});
