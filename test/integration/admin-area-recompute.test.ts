import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Repositories } from '../../server/repositories/contract';
import { AdminAreaIndexes } from '../../server/services/admin-area-indexes';
import { AdminAreaService } from '../../server/services/admin-area.service';
import { LOCAL_OPERATOR } from '../../server/services/admin.service';
import type { CommittedChange } from '../../server/services/group.service';
import { makeGroup } from '../support/factories';
import { area, square } from '../support/boundaries';
import { makeCrisis, postgresEngine, sqliteEngine, type EngineUnderTest, type OpenedStore } from '../support/storage-fixtures';

const engines: EngineUnderTest[] = [sqliteEngine(), postgresEngine()];

// Five groups along a line of longitude 11..15; the boundary between West and East moves.
const split = (x: number) => [
  area('LY01', 1, { type: 'Polygon', coordinates: [square(0, 0, x, 40)] }),
  area('LY02', 1, { type: 'Polygon', coordinates: [square(x, 0, 30, 40)] }),
];

describe.each(engines)('boundary recomputation on $engine', (engine) => {
  let opened: OpenedStore;
  let repos: Repositories;
  let crisisId: string;

  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());
  beforeEach(async () => {
    opened = await engine.open();
    repos = opened.repos;
    crisisId = uuidv7();
    await repos.crises.insert(makeCrisis({ id: crisisId }));
    for (const lon of [11, 12, 13, 14, 15]) {
      const group = makeGroup({ crisisId, location: { lat: 30, lon, accuracyM: null, placeName: '', siteType: 'other', siteId: null } });
      await repos.groups.insert(group);
      await repos.changeLog.appendGroupChange('group.report', group, null, group.updatedAt);
    }
  });
  afterEach(() => opened.close());

  const service = (publish: (c: CommittedChange) => void, pageSize = 2) =>
    new AdminAreaService({ repos, indexes: new AdminAreaIndexes(repos), publish, pageSize });

  it('walks the crisis in pages, logging and publishing only the groups whose areas changed', async () => {
    const published: CommittedChange[] = [];
    const areas = service((c) => published.push(c));
    const v1 = await areas.store(LOCAL_OPERATOR, crisisId, split(12.5), { source: 'a', synthetic: false });
    expect(await areas.recompute(crisisId, v1, null)).toEqual({ checked: 5, changed: 5 });
    const v2 = await areas.store(LOCAL_OPERATOR, crisisId, split(14.5), { source: 'b', synthetic: false });
    published.length = 0;
    expect(await areas.recompute(crisisId, v2, null)).toEqual({ checked: 5, changed: 2 });
    expect(published.map((c) => [c.after.location.lon, c.after.admin.admin1?.pcode, c.after.version])).toEqual([
      [13, 'LY01', 3],
      [14, 'LY01', 3],
    ]);
    const logged = (await repos.changeLog.listAfter(crisisId, 0, await repos.changeLog.headSeq())).filter((c) => c.kind === 'group.adminAreas');
    expect(logged).toHaveLength(7);
    expect((await repos.adminAreas.boundaries(crisisId))?.recomputeAfter).toBeNull();
  });

  it('resumes a recomputation cut short after a committed page, and stops an older one a newer load replaced', async () => {
    let pages = 0;
    const failing = service(() => {
      pages++;
      throw new Error('the process stopped here');
    });
    const version = await failing.store(LOCAL_OPERATOR, crisisId, split(12.5), { source: 'a', synthetic: false });
    await expect(failing.recompute(crisisId, version, null)).rejects.toThrow('the process stopped here');
    expect(pages).toBe(1);
    expect(await repos.adminAreas.pendingRecomputes()).toEqual([crisisId]);
    const done: CommittedChange[] = [];
    await service((c) => done.push(c)).resumePending();
    // The first page (11, 12) committed before the stop; the walk goes on from the third group.
    expect(done.map((c) => c.after.location.lon)).toEqual([13, 14, 15]);
    const groups = await repos.groups.pageByCrisis(crisisId, 0, 10);
    expect(groups.map((g) => g.group.admin.admin1?.pcode)).toEqual(['LY01', 'LY01', 'LY02', 'LY02', 'LY02']);
    expect(await repos.adminAreas.pendingRecomputes()).toEqual([]);

    const older = await failing.store(LOCAL_OPERATOR, crisisId, split(20), { source: 'b', synthetic: false });
    await failing.store(LOCAL_OPERATOR, crisisId, split(12.5), { source: 'c', synthetic: false });
    expect(await service(() => undefined).recompute(crisisId, older, null)).toEqual({ checked: 0, changed: 0 });
  });
});
