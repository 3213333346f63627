import { DEMO_SITE_COUNT } from '../../server/seed/demo-sites';
import { sitesNeedingAttention } from '../../shared/sites';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { createRepositories, type Repositories } from '../../server/repositories/repositories';
import { loadCountryShape } from '../../server/seed/country-shape';
import { DEMO_CRISIS_NAME, DEMO_GROUP_COUNT, DEMO_PASSWORD, DEMO_USERS, seedDemo, seedDemoIfEmpty } from '../../server/seed/demo-seed';
import { verifyPassword } from '../../server/services/password';
import { embassyMaySee } from '../../shared/projection';
import { ROLES } from '../../shared/schemas/user.schema';

const NOW = Date.UTC(2026, 10, 28, 12);

async function seeded(): Promise<{ repos: Repositories; crisisId: string }> {
  const repos = createRepositories(openDatabase(':memory:'));
  const result = await seedDemo(repos, { nowMs: NOW });
  return { repos, crisisId: result.crisisId };
}

describe(seedDemo.name, () => {
  // Not timed here (a timed assertion fails on a loaded machine, not on a slow seed): `npm start` shows it.
  it('seeds one clearly labelled synthetic crisis with ~300 groups', async () => {
    const { repos, crisisId } = await seeded();

    expect(await repos.crises.list()).toEqual([expect.objectContaining({ id: crisisId, name: DEMO_CRISIS_NAME, isDemo: true, hostCountry: 'LBY' })]);
    expect(await repos.groups.countByCrisis(crisisId)).toBe(DEMO_GROUP_COUNT);
    expect(await repos.changeLog.headSeq()).toBe(DEMO_GROUP_COUNT + DEMO_SITE_COUNT);
  });

  it('seeds a handful of sites marked demo, in its admin areas, with something for the alert list', async () => {
    const { repos, crisisId } = await seeded();
    const sites = await repos.sites.pageByCrisis(crisisId, '', 100);
    expect(sites).toHaveLength(DEMO_SITE_COUNT);
    expect(sites.every((s) => s.demo && s.name.startsWith('DEMO'))).toBe(true);
    expect(new Set(sites.map((s) => s.type)).size).toBe(7);
    expect(sites.filter((s) => s.admin.admin1 !== null).length).toBeGreaterThan(0);
    expect(sitesNeedingAttention(sites).map((x) => x.alerts)).toEqual([['unsafe_occupied'], ['over_capacity']]);
  });

  it('ships synthetic admin boundaries, marked as such, and gives every group its admin 1 and 2', async () => {
    const { repos, crisisId } = await seeded();
    const set = await repos.adminAreas.boundaries(crisisId);
    expect(set).toMatchObject({ version: 1, synthetic: true, recomputeAfter: null });
    expect(set?.source).toMatch(/synthetic/);
    const areas = await repos.adminAreas.listByCrisis(crisisId);
    expect(areas.every((a) => a.name.includes('(synthetic)') && a.pcode.startsWith('LYS'))).toBe(true);
    const groups = await repos.groups.listByCrisis(crisisId);
    const admin2 = new Set(groups.map((g) => g.admin.admin2?.pcode));
    expect(groups.every((g) => g.admin.admin1 !== null && g.admin.admin2?.pcode.startsWith(g.admin.admin1.pcode))).toBe(true);
    // The demo's towns spread over several districts, so filters and tables by area have something to show.
    expect(admin2.size).toBeGreaterThanOrEqual(4);
  });

  it('places every group on Libyan land, inside the crisis area, with timestamps in the last ten days', async () => {
    const { repos, crisisId } = await seeded();
    const libya = loadCountryShape('434');
    const [west, south, east, north] = (await repos.crises.findById(crisisId))?.area ?? [0, 0, 0, 0];

    for (const g of await repos.groups.listByCrisis(crisisId)) {
      expect(libya.contains(g.location.lat, g.location.lon), g.location.placeName).toBe(true);
      expect(g.location.lon).toBeGreaterThan(west);
      expect(g.location.lon).toBeLessThan(east);
      expect(g.location.lat).toBeGreaterThan(south);
      expect(g.location.lat).toBeLessThan(north);
      expect(Date.parse(g.reportedAt)).toBeGreaterThan(NOW - 10 * 86_400_000);
      expect(Date.parse(g.seenAt)).toBeGreaterThanOrEqual(Date.parse(g.reportedAt));
      expect(g.seenAt <= new Date(NOW).toISOString()).toBe(true);
    }
  });

  it('is deterministic for a given moment', { timeout: 30_000 }, async () => {
    const [a, b] = await Promise.all([seeded(), seeded()]);

    expect(await b.repos.groups.listByCrisis(b.crisisId)).toEqual(await a.repos.groups.listByCrisis(a.crisisId));
  });

  it('has realistic variety: statuses, consent, a protection flag on a minority, mixed and unknown nationalities', async () => {
    const { repos, crisisId } = await seeded();
    const groups = await repos.groups.listByCrisis(crisisId);
    const statuses = new Set(groups.map((g) => g.status));
    const flagged = groups.filter((g) => g.protectionConcern).length / groups.length;

    for (const s of ['reported', 'verified', 'assistance_in_progress', 'assisted', 'relocated', 'evacuated', 'closed', 'unreachable']) {
      expect(statuses.has(s as (typeof groups)[number]['status']), s).toBe(true);
    }
    expect(new Set(groups.map((g) => g.consentConsulate))).toEqual(new Set(['yes', 'no', 'not_asked']));
    expect(flagged).toBeGreaterThan(0.03);
    expect(flagged).toBeLessThan(0.15);
    expect(groups.some((g) => g.nationalities.length > 1)).toBe(true);
    expect(groups.some((g) => g.nationalities.some((n) => n.code === 'unknown'))).toBe(true);
    expect(groups.some((g) => g.nationalities.some((n) => n.code === 'stateless'))).toBe(true);
    expect(Math.min(...groups.map((g) => g.headcount.total))).toBeGreaterThanOrEqual(3);
    expect(Math.max(...groups.map((g) => g.headcount.total))).toBeLessThanOrEqual(120);
    // The demo embassy (Nigeria) has something to show, and something it must not see.
    expect(groups.filter((g) => embassyMaySee(g, 'NGA')).length).toBeGreaterThan(5);
    expect(groups.some((g) => g.nationalities.some((n) => n.code === 'NGA') && !embassyMaySee(g, 'NGA'))).toBe(true);
  });

  it('creates the twelve agencies and one account per role with the demo password', async () => {
    const { repos, crisisId } = await seeded();
    const agencies = await repos.agencies.list();

    expect(agencies).toHaveLength(12);
    expect(
      agencies
        .filter((a) => a.type === 'consulate')
        .map((a) => a.servesState)
        .sort(),
    ).toEqual(['NER', 'NGA']);
    for (const role of ROLES) {
      const user = await repos.users.findByUsername(DEMO_USERS[role]);
      expect(user?.role).toBe(role);
      expect(user?.crisisId).toBe(role === 'admin' ? null : crisisId);
    }
    const responder = await repos.users.findByUsername(DEMO_USERS.responder);
    expect((await repos.agencies.findById(responder?.agencyId ?? ''))?.acronym).toBe('IOM');
    const embassy = await repos.users.findByUsername(DEMO_USERS.embassy);
    expect((await repos.agencies.findById(embassy?.agencyId ?? ''))?.servesState).toBe('NGA');
    expect(await verifyPassword(DEMO_PASSWORD, embassy?.passwordHash ?? '')).toBe(true);
  });

  it('seeds only an empty database', async () => {
    const { repos } = await seeded();

    expect(await seedDemoIfEmpty(repos)).toBeNull();
    expect(await repos.crises.count()).toBe(1);
  });
});
