import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../server/seed/demo-seed';
import { isActiveAssignment } from '../../shared/assignment-workflow';
import { CONSULAR_ROUTES, ConsularSummary, EvacuationList } from '../../shared/consular';
import { countersOf } from '../../shared/counters';
import { EXPORT_ROUTES, Sitrep } from '../../shared/exports/export.schema';
import { OPEN_STATUSES } from '../../shared/group-status';
import { nationalFigures } from '../../shared/aggregate';
import { embassyMaySee } from '../../shared/projection';
import { AgencyList, COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { threeW } from '../../shared/threew';
import { shownOccupancy, siteLinkOf, sitesNeedingAttention } from '../../shared/sites';
import { connectAs, expectSnapshot, ownOrigin, requestSync, signIn } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// The demo crisis read through the same routes and socket snapshots the screens use: every status
// must be explained by its records, and every figure shown on two screens must be the same.
let server: TestServer;
const cookies = new Map<string, string>();
let groups: Group[];

const get = async (path: string, role: string) => {
  const response = await fetch(`${server.url}${path}`, { headers: { cookie: cookies.get(role) ?? '', ...ownOrigin(server.url) } });
  expect(response.status, path).toBe(200);
  return response;
};
const fullGroups = async (role: 'coordinator' | 'responder'): Promise<Group[]> => {
  const socket = await connectAs(server.url, cookies.get(role) ?? '');
  try {
    return expectSnapshot(await requestSync(socket, null)).groups.flatMap((v) => (v.view === 'full' ? [v.group] : []));
  } finally {
    socket.close();
  }
};

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  for (const role of ['coordinator', 'responder', 'embassy'] as const) {
    const { username, password } = server.accounts[role];
    cookies.set(role, await signIn(server.url, username, password));
  }
  groups = await fullGroups('coordinator');
});
afterAll(async () => {
  await server.destroy();
});

describe(`${seedDemo.name}: a crisis whose records explain every status and figure`, () => {
  it('counts at each site exactly the people of the demo groups recorded there, within its reported count, and raises only the alerts the seed means', async () => {
    const socket = await connectAs(server.url, cookies.get('coordinator') ?? '');
    const sites = await requestSync(socket, null).then((ack) => expectSnapshot(ack).sites);
    socket.close();
    for (const site of sites) {
      const at = groups.filter((g) => siteLinkOf(g)?.siteId === site.id);
      expect(site.linked, site.name).toEqual({ groups: at.length, people: at.reduce((sum, g) => sum + g.headcount.total, 0) });
      // The recorded groups are part of the people a team counted there: the site shows its count.
      expect(shownOccupancy(site), site.name).toBe(site.occupancy ?? (at.length > 0 ? site.linked?.people : null));
    }
    expect(sites.filter((s) => (s.linked?.groups ?? 0) > 0).length, 'sites with recorded groups').toBeGreaterThanOrEqual(3);
    // The two alerts demo-sites.ts says it means, and no other.
    expect(sitesNeedingAttention(sites).map((x) => [x.site.name, x.alerts])).toEqual([
      ['DEMO Tajoura detention centre', ['unsafe_occupied']],
      ['DEMO Misrata transit centre', ['over_capacity']],
    ]);
  });

  it('gives every assigned need an open assignment, every met need a completed one, and no open need any work', () => {
    for (const g of groups) {
      for (const need of g.needs) {
        const own = g.assignments.filter((a) => a.needId === need.id);
        const why = `${g.id} ${need.type} ${need.status}`;
        if (need.status === 'assigned')
          expect(
            own.some((a) => isActiveAssignment(a.status)),
            why,
          ).toBe(true);
        if (need.status === 'met')
          expect(
            own.some((a) => a.status === 'completed'),
            why,
          ).toBe(true);
        if (need.status === 'open')
          expect(
            own.some((a) => isActiveAssignment(a.status)),
            why,
          ).toBe(false);
      }
    }
  });

  it('has an agency at work (accepted or in progress, an agency that exists) on every group in progress, and only there', async () => {
    const agencies = new Set(AgencyList.parse(await (await get(COORDINATION_ROUTES.agencies, 'coordinator')).json()).agencies.map((a) => a.id));
    const inProgress = groups.filter((g) => g.status === 'assistance_in_progress');
    expect(inProgress.length).toBeGreaterThan(10);
    for (const g of groups) {
      const working = g.assignments.filter((a) => (a.status === 'accepted' || a.status === 'in_progress') && agencies.has(a.agencyId));
      if (g.status === 'assistance_in_progress') expect(working.length, g.id).toBeGreaterThan(0);
      if (g.status === 'reported' || g.status === 'verified') expect(working, g.id).toEqual([]);
    }
  });

  it("opens the demo responder's (IOM) work list with work on it", async () => {
    const responder = await fullGroups('responder');
    const open = responder.flatMap((g) => g.assignments.filter((a) => isActiveAssignment(a.status)));
    expect(open.length).toBeGreaterThan(0);
  });

  it('shows the same people assisted and open groups in the counters and the situation report, explained by the reach recorded', async () => {
    const sitrep = Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep, 'coordinator')).json());
    const counters = countersOf(groups);
    expect(sitrep.figures.assisted).toBe(counters.assisted);
    expect(sitrep.figures.openGroups).toBe(groups.filter((g) => OPEN_STATUSES.includes(g.status)).length);
    expect(counters.assisted).toBeGreaterThan(0);
    // Each assisted group's people were reached (a person served twice is one person).
    const reachedInAssisted = groups
      .filter((g) => g.status === 'assisted')
      .reduce((sum, g) => sum + Math.max(0, ...g.assignments.filter((a) => a.status === 'completed').map((a) => a.peopleReached)), 0);
    expect(reachedInAssisted).toBe(sitrep.figures.assisted);
  });

  it("shows the same people reached in the 3W tab, the 3W export and the situation report's who-does-what", async () => {
    const agencies = AgencyList.parse(await (await get(COORDINATION_ROUTES.agencies, 'coordinator')).json()).agencies;
    const tab = threeW(groups, agencies).reduce((s, r) => s + r.peopleReached, 0);
    const csv = parse(await (await get(COORDINATION_ROUTES.threeW, 'coordinator')).text(), { bom: true }) as string[][];
    const column = csv[1]!.indexOf('#reached+ind');
    const exported = csv.slice(2).reduce((s, row) => s + Number(row[column]), 0);
    const sitrep = Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep, 'coordinator')).json());
    expect(tab).toBeGreaterThan(0);
    expect(exported).toBe(tab);
    expect(sitrep.whoWhat.reduce((s, l) => s + l.reached, 0)).toBe(tab);
  });

  it("counts the embassy's 'want to go home' by one rule: the evacuation list is the overview's part the embassy sees in full", async () => {
    const summary = ConsularSummary.parse(await (await get(CONSULAR_ROUTES.summary, 'embassy')).json());
    const list = EvacuationList.parse(await (await get(CONSULAR_ROUTES.evacuation, 'embassy')).json());
    const seen = groups.filter((g) => g.status !== 'duplicate' && embassyMaySee(g, summary.state));
    const listed = list.rows.reduce((s, r) => s + r.nationals, 0);
    expect(listed).toBe(seen.reduce((s, g) => s + nationalFigures(g, summary.state).figures.wantsToReturn, 0));
    const overall = summary.overview.figures.wantsToReturn;
    expect(typeof overall.shown === 'number' && overall.shown >= listed).toBe(true);
  });
});
