import type { Repositories } from '../repositories/repositories';
import type { UserRecord } from '../repositories/user.repository';
import { hashPassword } from '../services/password';
import { Agency, type AgencyType } from '../../shared/schemas/agency.schema';
import { Crisis } from '../../shared/schemas/crisis.schema';
import type { Role } from '../../shared/schemas/user.schema';
import type { Assignment, AssignmentStatus } from '../../shared/schemas/assignment.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { consularAssignmentRefusal, isConsularNeed } from '../../shared/consular';
import { loadCountryShape } from './country-shape';
import { makeDemoGroup } from './demo-groups';
import { linkDemoGroups, makeDemoSites } from './demo-sites';
import { withDemoWork } from './demo-work';
import { Prng } from './prng';
import { DEMO_BOUNDARY_SOURCE, demoAdminAreas } from './demo-boundaries';
import { AdminAreaIndex } from '../../shared/admin-areas/area-index';

/** The one password of every demo account. Demo data only: a real deployment runs with WAYMARK_DEMO=off. */
export const DEMO_PASSWORD = 'waymark-demo';

/** Demo usernames, one per role. */
export const DEMO_USERS = {
  coordinator: 'coordinator',
  field: 'field',
  responder: 'responder',
  embassy: 'embassy',
  admin: 'admin',
} as const satisfies Record<Role, string>;

export const DEMO_CRISIS_NAME = 'DEMO – Libya conflict (synthetic data)';
export const DEMO_GROUP_COUNT = 300;
/** The seed of the demo's random source: change it and every id and number changes. */
const DEMO_SEED = 0x5eed_2026;
/** ISO 3166-1 numeric code of Libya, as world-atlas names its features. */
const LIBYA_NUMERIC = '434';

const AGENCIES: readonly { name: string; acronym: string; type: AgencyType; servesState: string | null }[] = [
  { name: 'International Organization for Migration', acronym: 'IOM', type: 'un', servesState: null },
  { name: 'UN Refugee Agency', acronym: 'UNHCR', type: 'un', servesState: null },
  { name: 'World Food Programme', acronym: 'WFP', type: 'un', servesState: null },
  { name: "United Nations Children's Fund", acronym: 'UNICEF', type: 'un', servesState: null },
  { name: 'International Committee of the Red Cross', acronym: 'ICRC', type: 'red_cross_crescent', servesState: null },
  { name: 'Libyan Red Crescent', acronym: 'LRC', type: 'red_cross_crescent', servesState: null },
  { name: 'Médecins Sans Frontières', acronym: 'MSF', type: 'ingo', servesState: null },
  { name: 'International Rescue Committee', acronym: 'IRC', type: 'ingo', servesState: null },
  { name: 'Norwegian Refugee Council', acronym: 'NRC', type: 'ingo', servesState: null },
  { name: 'Danish Refugee Council', acronym: 'DRC', type: 'ingo', servesState: null },
  { name: 'Embassy of Nigeria', acronym: 'NGA-EMB', type: 'consulate', servesState: 'NGA' },
  { name: 'Embassy of Niger', acronym: 'NER-EMB', type: 'consulate', servesState: 'NER' },
];

const ACCOUNTS: readonly { role: Role; displayName: string; agency: string | null }[] = [
  { role: 'coordinator', displayName: 'Demo coordinator', agency: null },
  { role: 'field', displayName: 'Demo field team', agency: null },
  { role: 'responder', displayName: 'Demo responder (IOM)', agency: 'IOM' },
  { role: 'embassy', displayName: 'Demo embassy (Nigeria)', agency: 'NGA-EMB' },
  { role: 'admin', displayName: 'Demo admin', agency: null },
];

/** What the demo seed created. */
export interface DemoSeedResult {
  crisisId: string;
  groups: number;
  headSeq: number;
}

/**
 * Seeds the synthetic demo crisis: agencies, one account per role, ~300 groups placed on Libyan
 * land around real towns. Deterministic except for timestamps (the last ten days before `nowMs`).
 * Everything goes through the repositories in one transaction, with a change-log row per group.
 */
export async function seedDemo(repos: Repositories, options: { nowMs?: number } = {}): Promise<DemoSeedResult> {
  const seeded = await seedDemoUnless(repos, () => Promise.resolve(false), options);
  if (!seeded) throw new Error('unreachable: the demo seed was skipped');
  return seeded;
}

/** Seeds the demo only into a database without any crisis; returns null when it was not empty. */
export async function seedDemoIfEmpty(repos: Repositories, options: { nowMs?: number } = {}): Promise<DemoSeedResult | null> {
  if ((await repos.crises.count()) > 0) return null;
  // Checked again inside the write transaction: two processes starting together on an empty
  // database both pass the check above, and only the first to take the write lock seeds.
  return seedDemoUnless(repos, async () => (await repos.crises.count()) > 0, options);
}

async function seedDemoUnless(repos: Repositories, skip: () => Promise<boolean>, options: { nowMs?: number }): Promise<DemoSeedResult | null> {
  const nowMs = options.nowMs ?? Date.now();
  const now = new Date(nowMs).toISOString();
  const rng = new Prng(DEMO_SEED);
  // Hash first: scrypt is asynchronous, a transaction is not.
  const hashes = await Promise.all(ACCOUNTS.map(() => hashPassword(DEMO_PASSWORD)));

  const crisis = Crisis.parse({
    id: rng.uuid(),
    name: DEMO_CRISIS_NAME,
    type: 'conflict',
    hostCountry: 'LBY',
    phase: 'emergency_response',
    area: [9.3, 19.5, 25.2, 33.2],
    isDemo: true,
    createdAt: new Date(nowMs - 11 * 86_400_000).toISOString(),
  });
  const agencies = AGENCIES.map((a) => Agency.parse({ ...a, id: rng.uuid() }));
  const agencyId = (acronym: string | null) => agencies.find((a) => a.acronym === acronym)?.id ?? null;
  const users: UserRecord[] = ACCOUNTS.map((account, i) => ({
    id: rng.uuid(),
    username: DEMO_USERS[account.role],
    displayName: account.displayName,
    role: account.role,
    agencyId: agencyId(account.agency),
    crisisId: account.role === 'admin' ? null : crisis.id,
    passwordHash: hashes[i] ?? '',
    disabled: false,
    createdAt: crisis.createdAt,
  }));
  const reporter = users.find((u) => u.role === 'field');
  if (!reporter) throw new Error('demo accounts lack a field user');

  const land = loadCountryShape(LIBYA_NUMERIC);
  const context = { crisisId: crisis.id, area: crisis.area, land, reportedBy: reporter.id, nowMs };
  const generated = Array.from({ length: DEMO_GROUP_COUNT }, () => makeDemoGroup(rng, context)).sort((a, b) => a.reportedAt.localeCompare(b.reportedAt));
  const consulate = agencies.find((a) => a.acronym === 'NGA-EMB');
  const coordinator = users.find((u) => u.role === 'coordinator');
  if (!consulate || !coordinator) throw new Error('demo accounts lack a coordinator or the demo consulate');
  // Consular work first (it picks open consular needs), then every other status's work.
  const withWork = withDemoWork(withConsularWork(generated, consulate, coordinator.id, rng), agencies, coordinator.id, rng);
  // Each group named by the synthetic boundaries as the write path would name it.
  const areas = demoAdminAreas();
  const index = new AdminAreaIndex(areas);
  const located = withWork.map((g) => ({ ...g, admin: index.locate(g.location.lat, g.location.lon) }));
  // Some groups are recorded at the sites near them, and each site counts them (issue 20).
  const { groups, sites } = linkDemoGroups(located, makeDemoSites(rng, { crisisId: crisis.id, agencies, coordinatorId: coordinator.id, nowMs, index }));

  return repos.transaction(async () => {
    if (await skip()) return null;
    await repos.crises.insert(crisis);
    for (const agency of agencies) await repos.agencies.insert(agency, now);
    for (const user of users) await repos.users.insert(user);
    const version = await repos.adminAreas.replace(crisis.id, areas, {
      source: DEMO_BOUNDARY_SOURCE,
      synthetic: true,
      loadedAt: crisis.createdAt,
      loadedBy: null,
    });
    // The groups below are stored with their areas already: nothing is left to recompute.
    await repos.adminAreas.setRecomputeCursor(crisis.id, version, null);
    for (const group of groups) {
      await repos.groups.insert(group);
      // In report order, so sequence numbers follow the story the timestamps tell.
      await repos.changeLog.appendGroupChange('group.report', group, group.reportedBy, group.reportedAt);
    }
    // The sites after the groups: the groups' sequence numbers stay what they were before sites existed.
    for (const site of sites) {
      await repos.sites.insert(site);
      await repos.changeLog.appendSiteChange('site.create', site, site.lastVerifiedBy, site.createdAt);
    }
    return { crisisId: crisis.id, groups: groups.length, headSeq: await repos.changeLog.headSeq() };
  });
}

/** How many consular needs of consented Nigerian groups the demo hands to the Embassy of Nigeria. */
const DEMO_CONSULAR_ASSIGNMENTS = 6;
const CONSULAR_STEPS: readonly AssignmentStatus[] = ['proposed', 'accepted', 'in_progress', 'proposed', 'accepted', 'in_progress'];

/**
 * Gives the demo embassy work to follow: a few consular needs (documents, consular assistance,
 * evacuation) of groups it may see in full, assigned to its consulate at different steps, with
 * progress figures on those under way. Only what the assignment plan itself would accept.
 */
function withConsularWork(groups: Group[], consulate: Agency, coordinatorId: string, rng: Prng): Group[] {
  let given = 0;
  return groups.map((group) => {
    if (given >= DEMO_CONSULAR_ASSIGNMENTS) return group;
    const need = group.needs.find((n) => n.status === 'open' && isConsularNeed(n.type) && consularAssignmentRefusal(group, n.type, consulate) === null);
    if (!need) return group;
    const status = CONSULAR_STEPS[given] ?? 'proposed';
    given += 1;
    const nationals = group.nationalities.find((n) => n.code === consulate.servesState)?.count ?? 0;
    const assignment: Assignment = {
      id: rng.uuid(),
      groupId: group.id,
      needId: need.id,
      agencyId: consulate.id,
      status,
      peopleReached: 0,
      note: '',
      expectedBy: null,
      createdBy: coordinatorId,
      updatedAt: group.updatedAt,
      version: 1,
      ...(status === 'in_progress'
        ? {
            consular: {
              documentsIssued: need.type === 'documents' ? Math.ceil(nationals / 2) : 0,
              registeredForEvacuation: need.type === 'evacuation' ? nationals : 0,
              evacuated: 0,
            },
          }
        : {}),
    };
    return {
      ...group,
      assignments: [...group.assignments, assignment],
      needs: group.needs.map((n) => (n.id === need.id ? { ...n, status: 'assigned' as const } : n)),
    };
  });
}
