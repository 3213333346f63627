import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Repositories } from '../../server/repositories/repositories';
import { ConsularService } from '../../server/services/consular.service';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { audienceRoom } from '../../server/socket/audience-room';
import { ConsularSnapshots } from '../../server/services/consular-snapshots';
import { ConsularNotifier, CONSULAR_TICK_MS } from '../../server/socket/consular-notifier';
import type { WaymarkIo } from '../../server/socket/socket-server';
import { silentLogger } from '../../server/log';
import type { Group } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

const CRISIS = '01900000-0000-7000-8000-00000000000c';
const PERIOD_MS = 60_000;
const room = (state: string) => audienceRoom({ userId: '', role: 'embassy', crisisId: CRISIS, agencyId: null, servesState: state })!.name;

/** A stand-in for Socket.IO: which rooms have sockets here, and what was emitted to which room. */
function fakeIo(rooms: string[]) {
  const emitted: string[] = [];
  const io = {
    of: () => ({ adapter: { rooms: new Map(rooms.map((r) => [r, new Set(['socket'])])) } }),
    local: { to: (name: string) => ({ emit: () => emitted.push(name) }) },
  } as unknown as WaymarkIo;
  return { io, emitted };
}

describe(ConsularNotifier.name, () => {
  let stored: Group[];
  let notifier: ConsularNotifier;
  let emitted: string[];
  const change = (before: Group | null, after: Group) => {
    stored = [...stored.filter((g) => g.id !== after.id), after];
    notifier.changed({ seq: 1, crisisId: CRISIS, before, after });
  };
  /** To just past the next refresh moment (the notifier's tick sees it). */
  const nextRefresh = () => vi.advanceTimersByTimeAsync(PERIOD_MS - (Date.now() % PERIOD_MS) + CONSULAR_TICK_MS);

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(PERIOD_MS * 1_000 + 1);
    stored = [];
    // The store as the contract has it: one page holds them all.
    const repos = {
      groups: { pageByCrisis: (_crisisId: string, after: number) => Promise.resolve(after === 0 ? stored.map((group, i) => ({ key: i + 1, group })) : []) },
    } as unknown as Repositories;
    const fake = fakeIo([room('NGA')]);
    emitted = fake.emitted;
    notifier = new ConsularNotifier(
      fake.io,
      new ConsularService(repos, h3AreaIndex, new ConsularSnapshots(repos, h3AreaIndex, Date.now, PERIOD_MS)),
      silentLogger,
    );
  });
  afterEach(() => {
    notifier.stop();
    vi.useRealTimers();
  });

  it('notices the embassy room at refresh moments only, and only when what it would read changed', async () => {
    const hidden = makeGroup({ crisisId: CRISIS, nationalities: [{ code: 'NGA', count: 7 }], consentConsulate: 'no' });
    const shared = makeGroup({ crisisId: CRISIS, nationalities: [{ code: 'NGA', count: 6 }], consentConsulate: 'yes' });
    // Live since before the changes: its first refresh would tell it anyway; start after it.
    await nextRefresh();
    emitted.length = 0;
    change(null, hidden);
    change(null, shared);
    // Not as it happens: a notice a second after a hidden group moved would date the move.
    await vi.advanceTimersByTimeAsync(PERIOD_MS / 2);
    expect(emitted).toEqual([]);
    await nextRefresh();
    expect(emitted).toEqual([room('NGA')]);

    // A note on the hidden group changes no count: no notice (it would tell of a hidden group's activity).
    change(hidden, { ...hidden, notes: 'seen again', version: hidden.version + 1 });
    await nextRefresh();
    expect(emitted).toHaveLength(1);

    // One more national in the hidden group: 7 and 8 both show as 5, no notice either.
    change(hidden, { ...hidden, nationalities: [{ code: 'NGA', count: 8 }], version: hidden.version + 2 });
    await nextRefresh();
    expect(emitted).toHaveLength(1);

    // Consent withdrawn: the group moves into the counts, a notice goes at the next refresh.
    change(shared, { ...shared, consentConsulate: 'no', version: shared.version + 1 });
    expect(emitted).toHaveLength(1);
    await nextRefresh();
    expect(emitted).toHaveLength(2);
  });

  it("tells a room once at the refresh after it became live, then leaves it alone for other states' changes", async () => {
    // Its screen may hold figures read before changes made while nobody of it was connected here.
    await nextRefresh();
    expect(emitted).toEqual([room('NGA')]);
    change(null, makeGroup({ crisisId: CRISIS, nationalities: [{ code: 'NER', count: 9 }] }));
    await nextRefresh();
    expect(emitted).toEqual([room('NGA')]);
  });
});
