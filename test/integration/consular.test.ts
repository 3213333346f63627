import { parse } from 'csv-parse/sync';
import { latLngToCell } from 'h3-js';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSULAR_ROUTES, ConsularHistory, ConsularSummary, EvacuationList } from '../../shared/consular';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { AgencyList } from '../../shared/schemas/coordination.schema';
import type { Command } from '../../shared/schemas/command.schema';
import type { CommandAck } from '../../shared/events';
import type { Group, GroupInputDraft, GroupStatus } from '../../shared/schemas/group.schema';
import type { NeedType } from '../../shared/schemas/need.schema';
import {
  connectAs,
  expectOk,
  expectOkView,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  statusCommand,
  updateCommand,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { findLeaks } from '../support/differencing-adversary';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

// The consular view against an oracle written here, independently of shared/aggregate.ts and
// shared/consular.ts: H3 cells straight from h3-js, the "<5" rule, rounding down to a multiple of
// 5, and the overview's sums (which breakdowns are withheld is the server's call, checked by the
// differencing adversary instead), over a seeded mix of groups (consent yes / no / not asked, flag or not, one
// nationality or mixed, Nigeria or another state).

let server: TestServer;
/** The server's clock: embassy figures are taken once per refresh period, and the test says when one passes. */
const REFRESH_MS = 60_000;
let nowMs = Date.now();
/** Moves the server's clock into the next refresh period. */
const nextRefresh = () => {
  nowMs = (Math.floor(nowMs / REFRESH_MS) + 1) * REFRESH_MS + 1;
};
const cookies = new Map<FixtureAccount, string>();
const sockets = new Map<FixtureAccount, ClientSocket>();
const STATE = 'NGA';

const get = (account: FixtureAccount, path: string) => fetch(`${server.url}${path}`, { headers: { cookie: cookies.get(account) ?? '' } });
const socketOf = (a: FixtureAccount) => sockets.get(a) ?? expect.fail(`no socket for ${a}`);

beforeAll(async () => {
  server = await startTestServer({ socketRate: { perSecond: 10_000, burst: 10_000 }, now: () => nowMs, consularRefreshMs: REFRESH_MS });
  for (const account of ['coordinator', 'embassy', 'embassyNiger', 'admin', 'responder'] as const) {
    const credentials = server.fixtureAccounts[account] ?? expect.fail(`no ${account}`);
    const cookie = await signIn(server.url, credentials.username, credentials.password);
    cookies.set(account, cookie);
    sockets.set(account, await connectAs(server.url, cookie));
  }
  // A room that became live is told once at the next refresh (it may hold old figures): past that.
  const first = waitForEvent(socketOf('embassy'), 'consularChanged');
  nextRefresh();
  await first;
});
afterAll(async () => {
  for (const socket of sockets.values()) socket.close();
  await server.destroy();
});

// ---- the oracle -------------------------------------------------------------------------------

const shown = (n: number): number | '<5' | null => (n >= 5 ? n : n > 0 ? '<5' : null);
/** Hidden nationals' figures: "<5", or rounded down to a multiple of 5. */
const rounded = (n: number): number | '<5' | null => (n >= 5 ? n - (n % 5) : n > 0 ? '<5' : null);
const GONE: readonly string[] = ['relocated', 'evacuated', 'returned', 'closed'];
const CATEGORY: Record<string, string[]> = {
  reported: ['stranded'],
  verified: ['stranded'],
  assistance_in_progress: ['stranded'],
  unreachable: ['stranded'],
  assisted: ['stranded', 'assisted'],
  relocated: ['relocated'],
  evacuated: ['evacuated'],
  returned: ['evacuated'],
  closed: [],
};
const mayEmbassySee = (g: Group) => g.consentConsulate === 'yes' && !g.protectionConcern && g.nationalities.some((n) => n.code === STATE);

interface Raw {
  people: number;
  byStatus: Record<string, number>;
  byNeed: Record<string, number>;
  inNeed: number;
  documentsLost: number;
  wantsToReturn: number;
}
function rawOf(g: Group): Raw {
  const n = g.nationalities.find((x) => x.code === STATE)?.count ?? 0;
  const open = [...new Set(g.needs.filter((x) => x.status === 'open' || x.status === 'assigned').map((x) => x.type))];
  const here = !GONE.includes(g.status);
  return {
    people: n,
    byStatus: { [g.status]: n },
    byNeed: Object.fromEntries(open.map((t) => [t, n])),
    inNeed: open.length > 0 ? n : 0,
    documentsLost: here ? Math.min(n, g.documents.lostOrDestroyed + g.documents.confiscated) : 0,
    wantsToReturn: here && g.intention === 'evacuate_to_origin' ? n : 0,
  };
}
function addRaw(into: Raw, r: Raw): void {
  into.people += r.people;
  into.inNeed += r.inNeed;
  into.documentsLost += r.documentsLost;
  into.wantsToReturn += r.wantsToReturn;
  for (const [k, v] of Object.entries(r.byStatus)) into.byStatus[k] = (into.byStatus[k] ?? 0) + v;
  for (const [k, v] of Object.entries(r.byNeed)) into.byNeed[k] = (into.byNeed[k] ?? 0) + v;
}
const emptyRaw = (): Raw => ({ people: 0, byStatus: {}, byNeed: {}, inNeed: 0, documentsLost: 0, wantsToReturn: 0 });

/** `withheld`: the areas whose status / need breakdown the server withheld. */
function oracle(groups: Group[], withheld: Map<string, { status: boolean; needs: boolean }>) {
  const cells = new Map<string, Raw>();
  for (const g of groups) {
    if (g.status === 'duplicate' || mayEmbassySee(g)) continue;
    const r = rawOf(g);
    if (r.people === 0) continue;
    const cell = latLngToCell(g.location.lat, g.location.lon, 5);
    addRaw(cells.get(cell) ?? cells.set(cell, emptyRaw()).get(cell)!, r);
  }
  const areas = new Map<
    string,
    {
      people: unknown;
      byStatus: Record<string, unknown>;
      withheld: boolean;
      needsWithheld: boolean;
      byNeed: Record<string, unknown>;
      figures: Record<string, unknown>;
    }
  >();
  for (const [cell, r] of cells) {
    const w = withheld.get(cell) ?? { status: false, needs: false };
    const shownRecord = (rec: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(rec)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => [k, rounded(v)]),
      );
    areas.set(cell, {
      people: rounded(r.people),
      byStatus: w.status ? {} : shownRecord(r.byStatus),
      withheld: w.status,
      needsWithheld: w.needs,
      byNeed: w.needs ? {} : shownRecord(r.byNeed),
      figures: shownRecord({ inNeed: r.inNeed, documentsLost: r.documentsLost, wantsToReturn: r.wantsToReturn }),
    });
  }
  // The overview: the full view exactly, plus each area's SHOWN numbers; a "<5" adds nothing; both mark "more".
  const exact: Record<string, number> = { people: 0, stranded: 0, inNeed: 0, assisted: 0, relocated: 0, evacuated: 0, documentsLost: 0, wantsToReturn: 0 };
  const more: Record<string, boolean> = {};
  const needs: Record<string, number> = {};
  const needMore: Record<string, boolean> = {};
  for (const g of groups) {
    if (g.status === 'duplicate' || !mayEmbassySee(g)) continue;
    const r = rawOf(g);
    exact.people! += r.people;
    for (const c of CATEGORY[g.status] ?? []) exact[c]! += r.people;
    exact.inNeed! += r.inNeed;
    exact.documentsLost! += r.documentsLost;
    exact.wantsToReturn! += r.wantsToReturn;
    for (const [k, v] of Object.entries(r.byNeed)) needs[k] = (needs[k] ?? 0) + v;
  }
  let anyNeedsWithheld = false;
  const addShown = (key: string, v: unknown, into = exact, flags = more) => {
    // A rounded number or a "<5": either way the truth may be higher ("at least").
    if (typeof v === 'number') into[key] = (into[key] ?? 0) + v;
    if (v !== undefined && v !== null) flags[key] = true;
  };
  for (const a of areas.values()) {
    addShown('people', a.people);
    if (a.withheld) for (const c of ['stranded', 'assisted', 'relocated', 'evacuated']) more[c] = true;
    for (const [status, v] of Object.entries(a.byStatus)) for (const c of CATEGORY[status] ?? []) addShown(c, v);
    for (const [k, v] of Object.entries(a.figures)) addShown(k, v);
    for (const [k, v] of Object.entries(a.byNeed)) addShown(k, v, needs, needMore);
    if (a.needsWithheld) anyNeedsWithheld = true;
  }
  if (anyNeedsWithheld) for (const k of Object.keys(needs)) needMore[k] = true;
  const figures = Object.fromEntries(Object.entries(exact).map(([k, v]) => [k, { shown: shown(v), more: more[k] ?? false }]));
  const needFigures = Object.fromEntries(Object.keys({ ...needs, ...needMore }).map((k) => [k, { shown: shown(needs[k] ?? 0), more: needMore[k] ?? false }]));
  return { areas, figures, needFigures };
}

// ---- the seeded mix ---------------------------------------------------------------------------

const PLACES = [
  { lat: 32.89, lon: 13.19, name: 'Tripoli' },
  { lat: 27.04, lon: 14.43, name: 'Sabha' },
  { lat: 32.12, lon: 20.07, name: 'Benghazi' },
  { lat: 24.96, lon: 10.17, name: 'Ghat' },
];
const NEEDS: NeedType[] = ['water', 'documents', 'evacuation', 'food', 'consular_assistance'];
const INTENTIONS = ['evacuate_to_origin', 'stay', 'undecided'] as const;
const MIXES: { label: string; nationalities: (n: number) => { code: string; count: number }[] }[] = [
  { label: 'NGA only', nationalities: (n) => [{ code: 'NGA', count: n }] },
  {
    label: 'NGA and NER',
    nationalities: (n) => [
      { code: 'NGA', count: n },
      { code: 'NER', count: 3 },
    ],
  },
  { label: 'NER only', nationalities: (n) => [{ code: 'NER', count: n }] },
  { label: 'GHA only', nationalities: (n) => [{ code: 'GHA', count: n }] },
];
const PATHS: GroupStatus[][] = [[], ['verified'], ['verified', 'assisted'], ['verified', 'relocated'], ['verified', 'evacuated'], ['verified', 'closed']];

async function report(coordinator: ClientSocket, draft: Partial<GroupInputDraft>, path: GroupStatus[] = []): Promise<Group> {
  const input = makeGroupInput(draft);
  let group = expectOk(await sendCommand(coordinator, reportCommand(input))).group;
  for (const status of path) group = expectOk(await sendCommand(coordinator, statusCommand(group.id, group.version, status))).group;
  return group;
}

async function seedMix(): Promise<Group[]> {
  const coordinator = socketOf('coordinator');
  const groups: Group[] = [];
  let i = 0;
  for (const consent of ['yes', 'no', 'not_asked'] as const) {
    for (const flag of [false, true]) {
      for (const mix of MIXES) {
        for (const size of [2, 6]) {
          const place = PLACES[i % PLACES.length]!;
          const nationals = size + (i % 3);
          const total = nationals + 5;
          const need = NEEDS[i % NEEDS.length]!;
          groups.push(
            await report(
              coordinator,
              {
                location: { lat: place.lat + (i % 5) * 0.002, lon: place.lon, accuracyM: 20, placeName: place.name, siteType: 'urban_dispersed' },
                headcount: { total },
                nationalities: mix.nationalities(nationals),
                consentConsulate: consent,
                protectionConcern: flag,
                intention: INTENTIONS[i % INTENTIONS.length]!,
                documents: { lostOrDestroyed: i % 4, confiscated: i % 2 },
                vulnerabilities: { pregnantOrLactating: i % 3, olderPersons: i % 2 },
                needs: i % 7 === 6 ? [] : [{ id: uuidv7(), type: need, severity: 3, people: Math.min(total, 4 + (i % 4)) }],
              },
              PATHS[i % PATHS.length],
            ),
          );
          i += 1;
        }
      }
    }
  }
  // Alone in their cells: 1-4 hidden nationals, which must show as "<5".
  groups.push(
    await report(coordinator, {
      location: { lat: 30.0, lon: 17.0, accuracyM: 20, placeName: 'Lone', siteType: 'open_air' },
      headcount: { total: 3 },
      nationalities: [{ code: 'NGA', count: 3 }],
      consentConsulate: 'no',
      needs: [],
    }),
  );
  groups.push(
    await report(coordinator, {
      location: { lat: 26.0, lon: 12.0, accuracyM: 20, placeName: 'Mixed', siteType: 'open_air' },
      headcount: { total: 9 },
      nationalities: [
        { code: 'NGA', count: 2 },
        { code: 'NER', count: 6 },
      ],
      consentConsulate: 'not_asked',
      needs: [],
    }),
  );
  return groups;
}

async function currentGroups(): Promise<Group[]> {
  const snapshot = expectSnapshot(await requestSync(socketOf('coordinator'), null));
  return snapshot.groups.flatMap((v) => (v.view === 'full' ? [v.group] : []));
}

async function summaryOf(account: FixtureAccount): Promise<ConsularSummary> {
  const response = await get(account, CONSULAR_ROUTES.summary);
  expect(response.status).toBe(200);
  return ConsularSummary.parse(await response.json());
}

// ---- tests ------------------------------------------------------------------------------------

describe('consular view', () => {
  it('gives the embassy an overview, map areas and list equal to an independent computation, with "<5" applied', async () => {
    await seedMix();
    const groups = await currentGroups();

    // The list: exactly the groups of its nationals that consented and carry no flag.
    const snapshot = expectSnapshot(await requestSync(socketOf('embassy'), null));
    const listed = snapshot.groups.map((v) => (v.view === 'nationals' ? v.group.id : v.view)).sort();
    expect(listed).toEqual(
      groups
        .filter(mayEmbassySee)
        .map((g) => g.id)
        .sort(),
    );

    // The figures of a refresh period after the seeding.
    nextRefresh();
    const summary = await summaryOf('embassy');
    const expected = oracle(groups, new Map(summary.areas.map((a) => [a.area, { status: a.statusWithheld, needs: a.needsWithheld }])));
    // Whatever it withheld, what it released gives back no 1-4 count (the differencing adversary).
    expect(findLeaks({ state: STATE, areas: summary.areas, overview: summary.overview, fullGroups: groups.filter(mayEmbassySee) })).toEqual([]);
    // Map areas: one per H3 cell with hidden nationals, each as the oracle computes it.
    expect(summary.areas.map((a) => a.area).sort()).toEqual([...expected.areas.keys()].sort());
    for (const area of summary.areas) {
      const want = expected.areas.get(area.area)!;
      expect(
        {
          people: area.people,
          byStatus: area.byStatus,
          withheld: area.statusWithheld,
          needsWithheld: area.needsWithheld,
          byNeed: area.byNeed,
          figures: area.figures,
        },
        area.area,
      ).toEqual({
        people: want.people,
        byStatus: want.byStatus,
        withheld: want.withheld,
        needsWithheld: want.needsWithheld,
        byNeed: want.byNeed,
        figures: want.figures,
      });
    }
    // The mix has areas with 1-4 hidden nationals: they are "<5", never the number.
    expect(summary.areas.some((a) => a.people === '<5')).toBe(true);
    expect(JSON.stringify(summary)).not.toMatch(/"people":[1-4][,}]/);

    // Overview figures.
    for (const [figure, want] of Object.entries(expected.figures)) {
      expect(summary.overview.figures[figure as keyof typeof summary.overview.figures], figure).toEqual(want);
    }
    expect(Object.fromEntries(summary.overview.needs.map((n) => [n.type, n.figure]))).toEqual(expected.needFigures);
    // The chart ends where the overview is, and every point is suppressed like it.
    const history = ConsularHistory.parse(await (await get('embassy', CONSULAR_ROUTES.history)).json()).points;
    const last = history.at(-1)!;
    expect(last.stranded).toEqual(summary.overview.figures.stranded?.shown);
    expect(last.evacuated).toEqual(summary.overview.figures.evacuated?.shown);
    for (const point of history)
      for (const v of [point.stranded, point.inNeed, point.assisted, point.relocated, point.evacuated]) {
        expect(v === null || v === '<5' || v >= 5).toBe(true);
      }

    // The evacuation list: consented, unflagged, wanting to return, still where reported (the overview's rule).
    const evac = EvacuationList.parse(await (await get('embassy', CONSULAR_ROUTES.evacuation)).json());
    const wanted = groups.filter(
      (g) => mayEmbassySee(g) && g.intention === 'evacuate_to_origin' && !['closed', 'evacuated', 'returned', 'relocated', 'duplicate'].includes(g.status),
    );
    expect(evac.rows.map((r) => r.groupId).sort()).toEqual(wanted.map((g) => g.id).sort());
    expect(evac.rows.reduce((s, r) => s + r.nationals, 0)).toBe(wanted.reduce((s, g) => s + (g.nationalities.find((n) => n.code === STATE)?.count ?? 0), 0));

    // The Niger embassy gets its own nationals' counts, with the same rules.
    const niger = await summaryOf('embassyNiger');
    expect(niger.state).toBe('NER');
  });

  it('answers only embassy users, and audits each read', async () => {
    for (const account of ['coordinator', 'responder', 'admin'] as const) {
      expect((await get(account, CONSULAR_ROUTES.summary)).status).toBe(403);
      expect((await get(account, CONSULAR_ROUTES.evacuation)).status).toBe(403);
      expect((await get(account, CONSULAR_ROUTES.history)).status).toBe(403);
      expect((await get(account, CONSULAR_ROUTES.evacuationCsv)).status).toBe(403);
    }
    const before = await server.countRows('audit');
    await summaryOf('embassy');
    expect(await server.countRows('audit')).toBe(before + 1);
  });

  it('exports the evacuation list as CSV with only what the embassy may see, and audits the export', async () => {
    const coordinator = socketOf('coordinator');
    const place = { lat: 30.75, lon: 20.22, accuracyM: 10, siteType: 'collective_centre' as const };
    const shared = await report(coordinator, {
      location: { ...place, placeName: '=HYPERLINK("x")' },
      nationalities: [{ code: 'NGA', count: 8 }],
      consentConsulate: 'yes',
      intention: 'evacuate_to_origin',
    });
    const flagged = await report(coordinator, {
      location: { ...place, placeName: 'Flagged' },
      nationalities: [{ code: 'NGA', count: 8 }],
      consentConsulate: 'yes',
      protectionConcern: true,
      intention: 'evacuate_to_origin',
    });
    const noConsent = await report(coordinator, {
      location: { ...place, placeName: 'No consent' },
      nationalities: [{ code: 'NGA', count: 8 }],
      consentConsulate: 'no',
      intention: 'evacuate_to_origin',
    });
    const niger = await report(coordinator, {
      location: { ...place, placeName: 'Niger' },
      nationalities: [{ code: 'NER', count: 8 }],
      consentConsulate: 'yes',
      intention: 'evacuate_to_origin',
    });

    const auditBefore = (await (await get('admin', `${API_ROUTES.audit}?action=export.evacuation`)).json()) as { entries: unknown[] };
    const response = await get('embassy', CONSULAR_ROUTES.evacuationCsv);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const rows = parse(await response.text(), { bom: true }) as string[][];
    expect(rows[0]).toContain('nationals');
    expect(rows[1]?.[0]).toBe('#meta+id');
    const ids = rows.slice(2).map((r) => r[0]);
    expect(ids).toContain(shared.id);
    for (const hidden of [flagged, noConsent, niger]) expect(ids).not.toContain(hidden.id);
    // A formula in a place name is defused for spreadsheets.
    expect(rows.find((r) => r[0] === shared.id)?.[1]).toBe(`'=HYPERLINK("x")`);

    const auditAfter = (await (await get('admin', `${API_ROUTES.audit}?action=export.evacuation`)).json()) as { entries: { role: string; action: string }[] };
    expect(auditAfter.entries.length).toBe(auditBefore.entries.length + 1);
    expect(auditAfter.entries[0]).toMatchObject({ role: 'embassy', action: 'export.evacuation' });
  });

  describe('consular assignments', () => {
    let consulate: string;
    let iom: string;
    let nigerConsulate: string;
    beforeAll(async () => {
      const agencies = AgencyList.parse(await (await get('coordinator', '/api/agencies')).json()).agencies;
      consulate = agencies.find((a) => a.acronym === 'NGA-EMB')?.id ?? expect.fail('no NGA-EMB');
      nigerConsulate = agencies.find((a) => a.acronym === 'NER-EMB')?.id ?? expect.fail('no NER-EMB');
      iom = agencies.find((a) => a.acronym === 'IOM')?.id ?? expect.fail('no IOM');
    });

    const assign = (g: Group, needType: NeedType, agencyId: string): Command => ({
      type: 'assignment.create',
      commandId: uuidv7(),
      groupId: g.id,
      baseVersion: g.version,
      assignment: {
        id: uuidv7(),
        needId: g.needs.find((n) => n.type === needType)?.id ?? expect.fail(`no ${needType} need`),
        agencyId,
        note: '',
        expectedBy: null,
      },
    });
    const consented = (overrides: Partial<GroupInputDraft> = {}) =>
      report(socketOf('coordinator'), {
        nationalities: [{ code: 'NGA', count: 7 }],
        consentConsulate: 'yes',
        needs: [
          { id: uuidv7(), type: 'documents', severity: 3, people: 4 },
          { id: uuidv7(), type: 'water', severity: 3, people: 7 },
          { id: uuidv7(), type: 'evacuation', severity: 4, people: 7 },
        ],
        ...overrides,
      });

    it.each([
      ['a need type that is not consular', async () => [await consented(), 'water', () => consulate] as const, 'consular_need_type'],
      [
        'a group without consent',
        async () => [await consented({ consentConsulate: 'not_asked' }), 'documents', () => consulate] as const,
        'consular_not_shared',
      ],
      [
        'a group with a protection flag',
        async () => [await consented({ protectionConcern: true }), 'documents', () => consulate] as const,
        'consular_not_shared',
      ],
      ['another state’s consulate', async () => [await consented(), 'documents', () => nigerConsulate] as const, 'consular_other_state'],
    ])('refuses %s with a named error and changes nothing', async (_name, make, reason) => {
      const [group, needType, agency] = await make();
      const ack = await sendCommand(socketOf('coordinator'), assign(group, needType as NeedType, agency()));
      expect(ack).toMatchObject({ ok: false, code: 'invalid', issues: [{ code: reason, path: ['assignment', 'agencyId'] }] });
      const now = (await currentGroups()).find((g) => g.id === group.id);
      expect(now?.version).toBe(group.version);
      expect(now?.assignments).toEqual([]);
    });

    it('lets a coordinator hand a consular need to the consulate, which accepts, records progress and completes it', async () => {
      const group = await consented();
      const embassy = socketOf('embassy');
      const seen = waitForEvent(
        embassy,
        'change',
        (c) => c.kind === 'group.upsert' && c.group.view === 'nationals' && c.group.group.assignments.length > 0 && c.group.group.id === group.id,
      );
      const created = expectOk(await sendCommand(socketOf('coordinator'), assign(group, 'documents', consulate))).group;
      await seen;
      const a = created.assignments[0]!;
      expect(a).toMatchObject({ agencyId: consulate, status: 'proposed' });

      // Another agency's need on the same group is not the consulate's to move.
      const withIom = expectOk(await sendCommand(socketOf('coordinator'), assign(created, 'water', iom))).group;
      const iomAssignment = withIom.assignments.find((x) => x.agencyId === iom)!;
      expect(
        await sendCommand(embassy, {
          type: 'assignment.update',
          commandId: uuidv7(),
          groupId: group.id,
          baseVersion: iomAssignment.version,
          assignmentId: iomAssignment.id,
          status: 'accepted',
        }),
      ).toMatchObject({
        ok: false,
        code: 'not_found',
      });

      const update = (fields: Record<string, unknown>, version: number): Command =>
        ({ type: 'assignment.update', commandId: uuidv7(), groupId: group.id, baseVersion: version, assignmentId: a.id, ...fields }) as Command;
      // The embassy's acks carry its nationals' part: its own consulate's assignments only (rule 9).
      const nationalsOf = (ack: CommandAck) => {
        const view = expectOkView(ack).group;
        return view?.view === 'nationals' ? view.group : expect.fail(`expected the nationals view, got ${view?.view ?? 'none'}`);
      };
      const accepted = nationalsOf(await sendCommand(embassy, update({ status: 'accepted' }, 1))).assignments.find((x) => x.id === a.id)!;
      const progress = { documentsIssued: 4, registeredForEvacuation: 0, evacuated: 0 };
      const recorded = nationalsOf(await sendCommand(embassy, update({ consular: progress }, accepted.version))).assignments.find((x) => x.id === a.id)!;
      expect(recorded.consular).toEqual(progress);
      const done = nationalsOf(await sendCommand(embassy, update({ status: 'completed', peopleReached: 4 }, recorded.version)));
      expect(done.assignments.map((x) => x.id)).toEqual([a.id]);
      expect(done.assignments[0]).toMatchObject({ status: 'completed', consular: progress });
      expect(done.needs.find((n) => n.type === 'documents')?.status).toBe('met');

      // Consular figures belong on consular needs only.
      const iomNow = (await currentGroups()).find((g) => g.id === group.id)?.assignments.find((x) => x.agencyId === iom) ?? expect.fail('no IOM assignment');
      const wrong = await sendCommand(socketOf('coordinator'), {
        type: 'assignment.update',
        commandId: uuidv7(),
        groupId: group.id,
        baseVersion: iomNow.version,
        assignmentId: iomNow.id,
        consular: progress,
      });
      expect(wrong).toMatchObject({ ok: false, code: 'invalid' });
    });
  });

  it('tells the embassy live when a consent withdrawal moves a group into its counts, and the counts follow', async () => {
    const coordinator = socketOf('coordinator');
    const embassy = socketOf('embassy');
    // Far from every other group: its own cell.
    const group = await report(coordinator, {
      location: { lat: 29.03, lon: 21.55, accuracyM: 10, placeName: 'Jalu', siteType: 'open_air' },
      nationalities: [{ code: 'NGA', count: 9 }],
      headcount: { total: 9 },
      consentConsulate: 'yes',
      needs: [],
    });
    const cell = latLngToCell(29.03, 21.55, 5);
    expect((await summaryOf('embassy')).areas.find((a) => a.area === cell)).toBeUndefined();

    const removed = waitForEvent(embassy, 'change', (c) => c.kind === 'group.remove' && c.groupId === group.id);
    expectOk(await sendCommand(coordinator, updateCommand(group.id, group.version, { consentConsulate: 'no' })));
    await removed;
    // The group leaves the list at once (rule 2); the counts take it in at the next refresh only.
    expect((await summaryOf('embassy')).areas.find((a) => a.area === cell)).toBeUndefined();

    const notice = waitForEvent(embassy, 'consularChanged');
    nextRefresh();
    await notice;
    const after = await summaryOf('embassy');
    // 9 released as 5 (rounded down).
    expect(after.areas.find((a) => a.area === cell)).toMatchObject({ people: 5 });
  });
});
