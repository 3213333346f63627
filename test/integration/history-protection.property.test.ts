import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../server/config';
import { openDatabase, type Db } from '../../server/db/database';
import { createRepositories, type Repositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { ApiV1Service } from '../../server/services/api-v1.service';
import { AuthService } from '../../server/services/auth.service';
import { projectChange, projectPublished } from '../../server/services/change-projection';
import { ConsularSnapshots } from '../../server/services/consular-snapshots';
import { ExportService } from '../../server/services/export.service';
import { exportBody } from '../support/export-body';
import { GroupService, type Actor } from '../../server/services/group.service';
import { CommandService, isMovementChange, isSiteChange, type PublishedChange } from '../../server/services/command.service';
import { MovementService } from '../../server/services/movement.service';
import { sqliteTablesHolding } from '../support/stored-text';
import type { MovementView } from '../../shared/schemas/movement.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { ReadService } from '../../server/services/read.service';
import { RetentionService } from '../../server/services/retention.service';
import { SyncService } from '../../server/services/sync.service';
import { SiteService } from '../../server/services/site.service';
import type { Site } from '../../shared/schemas/site.schema';
import { SITE_STATUSES } from '../../shared/schemas/site.schema';
import type { SyncAck } from '../../shared/events';
import { decodeChanges, decodeViews } from '../../shared/packed-views';
import { bytesToPacked } from '../../shared/packed-bytes';
import { Command } from '../../shared/schemas/command.schema';
import { CONSENT_VALUES, type Group } from '../../shared/schemas/group.schema';
import type { Role } from '../../shared/schemas/user.schema';

// Protection rule 8: everything a user receives about a group, on any channel, is allowed for that
// user by the group's state AT THE MOMENT it is delivered, never by a state from history. Random
// histories of reports, edits of consent, flag, nationalities, place and notes, assignments made
// and cancelled, follow-up requests, users created, rescoped and disabled at random points, and
// commands replayed. After every commit the live feed and the ack are checked; at random moments
// every channel is checked for every user: plain and packed snapshot, plain and packed catch-up
// from every seq, replayed acks, REST reads, the agency API (groups, needs, assignments), the
// group exports and the embassy aggregates (their arithmetic has its own adversary test).
//
// The oracle below is written from the protection rules (DESIGN.md 1, 4, 8, 9, 11), not from
// shared/projection.ts. It says, for a user and a group's current state, the most that user may
// hold of it; a received payload passes when each of its values is one the oracle allows (same
// path, same value). A second, channel-independent check scans every payload's text for tokens
// the user may not see now: another group's notes marker, another nationality's code.
//
// Sites (issue 20) are places, not people: every role of the crisis receives each site as it
// stands now (never an older version), without who verified it or its tally of recorded groups
// unless a coordinator, and no site payload ever carries a group's id, a note or a nationality
// code. Reports and moves link groups to those sites: a group's site is part of its location, so a
// reduced point or a withheld group must never carry it (the oracle's views say where it may be).

const NOW = Date.parse('2026-11-20T10:00:00Z');
const STATES = ['NGA', 'MLI'] as const;
type AgencyKey = 'IOM' | 'MSF' | 'NGA' | 'MLI';
type UserKey = 'coord' | 'fieldA' | 'fieldB' | 'respIOM' | 'respMSF' | 'embNGA' | 'embMLI' | 'late';

interface World {
  db: Db;
  repos: Repositories;
  admin: AdminService;
  auth: AuthService;
  groups: GroupService;
  sites: SiteService;
  /** Every command goes through here, as the socket's write path sends it (movement commands to MovementService). */
  commands: CommandService;
  /** Site ids in creation order. */
  siteIds: string[];
  sync: SyncService;
  reads: ReadService;
  api: ApiV1Service;
  exports: ExportService;
  crisisId: string;
  agencies: Record<AgencyKey, string>;
  users: Partial<Record<UserKey, string>>;
  /** Group ids in report order. */
  groupIds: string[];
  /** Successful commands with who sent them, for replays. */
  sent: { by: UserKey; command: Command }[];
  /** Retention two days on with a one-day policy: every group is due at each purge step. */
  retention: RetentionService;
  /** Notes and place names purged or erased: no channel may carry them to anyone afterwards. */
  purged: Set<string>;
  /** The one movement (issue 20) the history puts groups on, once created; IOM carries it. */
  movementId: string | null;
  legId: string;
}

async function makeWorld(): Promise<World> {
  const db = openDatabase(':memory:');
  const repos = createRepositories(db);
  const admin = new AdminService(repos, { scrypt: { N: 16, r: 1, p: 1 } });
  const crisis = await admin.createCrisis({
    name: 'History',
    type: 'conflict',
    hostCountry: 'LBY',
    phase: 'emergency_response',
    area: [9.3, 19.5, 25.2, 33.2],
  });
  const agencies: Record<AgencyKey, string> = {
    IOM: (await admin.createAgency({ name: 'International Organization for Migration', acronym: 'IOM', type: 'un' })).id,
    MSF: (await admin.createAgency({ name: 'Medecins Sans Frontieres', acronym: 'MSF', type: 'ingo' })).id,
    NGA: (await admin.createAgency({ name: 'Embassy of Nigeria', acronym: 'NGA-EMB', type: 'consulate', servesState: 'NGA' })).id,
    MLI: (await admin.createAgency({ name: 'Embassy of Mali', acronym: 'MLI-EMB', type: 'consulate', servesState: 'MLI' })).id,
  };
  const groups = new GroupService(repos, () => NOW);
  const sites = new SiteService(repos, () => NOW);
  const world: World = {
    db,
    repos,
    admin,
    auth: new AuthService(repos, DEFAULT_SESSION_POLICY, () => NOW),
    groups,
    sites,
    commands: new CommandService(groups, sites, new MovementService(repos, () => NOW)),
    siteIds: [],
    // Every catch-up comes packed when asked, so both encodings are checked from every seq.
    sync: new SyncService(repos, { maxCatchUpChanges: 10_000 }, { now: () => NOW, packChangesFrom: 1 }),
    reads: new ReadService(repos, new ConsularSnapshots(repos, h3AreaIndex, () => NOW), () => NOW),
    api: new ApiV1Service(repos),
    exports: new ExportService(repos, h3AreaIndex, () => NOW),
    crisisId: crisis.id,
    agencies,
    users: {},
    groupIds: [],
    sent: [],
    retention: new RetentionService(repos, () => NOW + 2 * 86_400_000),
    purged: new Set(),
    movementId: null,
    legId: uuidv7(),
  };
  await world.retention.setPolicy({ crisisId: crisis.id, keepDays: 1, after: 'group_change' });
  const initial: [UserKey, Role, AgencyKey | null][] = [
    ['coord', 'coordinator', null],
    ['fieldA', 'field', null],
    ['fieldB', 'field', null],
    ['respIOM', 'responder', 'IOM'],
    ['respMSF', 'responder', 'MSF'],
    ['embNGA', 'embassy', 'NGA'],
    ['embMLI', 'embassy', 'MLI'],
  ];
  for (const [key, role, agency] of initial) await createUser(world, key, role, agency);
  return world;
}

async function createUser(world: World, key: UserKey, role: Role, agency: AgencyKey | null): Promise<void> {
  const acronyms: Record<AgencyKey, string> = { IOM: 'IOM', MSF: 'MSF', NGA: 'NGA-EMB', MLI: 'MLI-EMB' };
  const user = await world.admin.createUser({
    username: `${key.toLowerCase()}-${uuidv7().slice(-8)}`,
    password: 'a long enough password',
    role,
    displayName: key,
    agency: agency ? acronyms[agency] : null,
    crisisId: world.crisisId,
  });
  world.users[key] = user.id;
}

/** The user's record now; null when absent or disabled (its sessions are gone: nothing is delivered). */
async function userNow(world: World, key: UserKey) {
  const id = world.users[key];
  const user = id ? await world.repos.users.findById(id) : null;
  return user && !user.disabled ? user : null;
}

async function actorOf(world: World, key: UserKey): Promise<Actor | null> {
  const user = await userNow(world, key);
  return user ? { userId: user.id, audience: await world.auth.audienceOf(user) } : null;
}

// ---------------------------------------------------------------------------------------------
// The oracle: the most a user may hold of a group's current state, as the wire would carry it.

type Allowed = { view: 'full' | 'reduced' | 'nationals'; group: unknown } | null;

const round = (x: number, decimals: number) => Math.round(x * 10 ** decimals) / 10 ** decimals;
const ACTIVE = new Set(['proposed', 'accepted', 'in_progress']);

async function oracle(world: World, key: UserKey, g: Group): Promise<Allowed> {
  const user = await userNow(world, key);
  if (!user || user.crisisId !== g.crisisId) return null;
  const agency = user.agencyId ? await world.repos.agencies.findById(user.agencyId) : null;
  switch (user.role) {
    case 'admin':
      return null;
    case 'coordinator':
      return { view: 'full', group: g };
    case 'field': {
      // Rule 11: in full only what the user reported or was asked to follow up; others as points
      // without any count, nationality, note or flag, and flagged ones not at all.
      if (g.reportedBy === user.id || g.followUpBy.includes(user.id)) return { view: 'full', group: g };
      if (g.protectionConcern) return null;
      return { view: 'reduced', group: point(g, 2) };
    }
    case 'responder': {
      // Rule 4: the exact location only with open work for the agency.
      if (g.assignments.some((a) => a.agencyId === user.agencyId && ACTIVE.has(a.status))) return { view: 'full', group: g };
      return { view: 'reduced', group: point(g, 1) };
    }
    case 'embassy': {
      // Rule 1 and rule 9.
      const state = agency?.type === 'consulate' ? agency.servesState : null;
      const own = g.nationalities.find((n) => n.code === state);
      if (!state || !own || g.consentConsulate !== 'yes' || g.protectionConcern) return null;
      const whole = g.nationalities.length === 1 && own.count === g.headcount.total;
      return {
        view: 'nationals',
        group: {
          id: g.id,
          crisisId: g.crisisId,
          version: g.version,
          status: g.status,
          location: g.location,
          // Named from the place, which the embassy holds anyway.
          admin: g.admin,
          seenAt: g.seenAt,
          reportedAt: g.reportedAt,
          updatedAt: g.updatedAt,
          nationality: state,
          nationals: own.count,
          intention: g.intention,
          needs: g.needs.map(({ people: _people, ...need }) => need),
          assignments: g.assignments.filter((a) => a.agencyId === user.agencyId),
          whole: whole ? { headcount: g.headcount, vulnerabilities: g.vulnerabilities, documents: g.documents, notes: g.notes } : null,
        },
      };
    }
  }
}

function point(g: Group, decimals: number) {
  return {
    id: g.id,
    lat: round(g.location.lat, decimals),
    lon: round(g.location.lon, decimals),
    status: g.status,
    needTypes: g.needs.filter((n) => n.status !== 'cancelled').map((n) => n.type),
    version: g.version,
  };
}

/** Every leaf of a value by path; array items with an `id` are keyed by it, other arrays are one leaf. */
function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'object' && v !== null && 'id' in v)) {
      for (const v of value as { id: string }[]) leaves(v, `${path}[${v.id}]`, out);
      out.set(`${path}#`, String(value.length));
    } else out.set(path, JSON.stringify(value));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) leaves(v, `${path}.${k}`, out);
  } else out.set(path, JSON.stringify(value));
  return out;
}

/** What is wrong with a received view of a group, for this user now; null when nothing is. */
async function judgeView(world: World, key: UserKey, received: { view: string; group: unknown }): Promise<string | null> {
  const id = (received.group as { id: string }).id;
  const current = await world.repos.groups.findById(id);
  if (!current) return `a group that does not exist: ${id}`;
  const allowed = await oracle(world, key, current);
  if (!allowed) return `${key} may not receive group ${id} now (got a ${received.view} view)`;
  if (allowed.view !== received.view) return `${key} may receive a ${allowed.view} view of ${id} now, got ${received.view}`;
  // A coordinator may hold any state the group has had (history is theirs: the timeline shows it),
  // so a reused packed snapshot a few changes old is fine for them; nobody else may.
  const candidates =
    allowed.view === 'full' && (await userNow(world, key))?.role === 'coordinator'
      ? (await world.repos.changeLog.listForEntity(world.crisisId, id)).map((c) => ({ view: 'full', group: c.group }))
      : [allowed];
  const got = leaves(received.group);
  for (const candidate of candidates) {
    const may = leaves(candidate.group);
    const extra = [...got].filter(([path, v]) => may.get(path) !== v);
    if (extra.length === 0) return null;
    if (candidate === candidates.at(-1))
      return `${key} got of ${id} what it may not hold now: ${extra.map(([p, v]) => `${p}=${v} (may: ${may.get(p) ?? 'nothing'})`).join(', ')}`;
  }
  return null;
}

/** Tokens the user may not see in any payload now: notes markers and other nationalities' codes. */
async function forbiddenTokens(world: World, key: UserKey): Promise<string[]> {
  const tokens: string[] = [];
  for (const id of world.groupIds) {
    const g = await world.repos.groups.findById(id);
    if (!g) continue;
    const allowed = await oracle(world, key, g);
    const notesAllowed = allowed?.view === 'full' || (allowed?.view === 'nationals' && (allowed.group as { whole: unknown }).whole !== null);
    if (!notesAllowed && g.notes) tokens.push(g.notes);
  }
  tokens.push(...world.purged);
  const user = await userNow(world, key);
  const agency = user?.agencyId ? await world.repos.agencies.findById(user.agencyId) : null;
  if (user?.role === 'embassy') for (const s of STATES) if (s !== agency?.servesState) tokens.push(`"${s}"`);
  return tokens;
}

async function expectNoTokens(world: World, key: UserKey, channel: string, payload: unknown): Promise<void> {
  const text = JSON.stringify(payload);
  for (const token of await forbiddenTokens(world, key)) {
    if (text.includes(token)) expect.fail(`${channel}: ${key} received ${token}`);
  }
}

async function expectViewAllowed(world: World, key: UserKey, channel: string, view: { view: string; group: unknown }): Promise<void> {
  const problem = await judgeView(world, key, view);
  if (problem) expect.fail(`${channel}: ${problem}`);
}

/** An ack's group, whichever shape it has (a view, or a bare group read as a full view). */
function ackView(group: unknown): { view: string; group: unknown } {
  return typeof group === 'object' && group !== null && 'view' in group ? (group as { view: string; group: unknown }) : { view: 'full', group };
}

async function checkAck(world: World, key: UserKey, channel: string, ack: unknown): Promise<void> {
  await expectNoTokens(world, key, channel, ack);
  const a = ack as { ok: boolean; group?: unknown; current?: unknown; movement?: MovementView | null };
  if (a.ok && a.group) await expectViewAllowed(world, key, channel, ackView(a.group));
  if (!a.ok && a.current) await expectViewAllowed(world, key, channel, ackView(a.current));
  if (a.movement) await expectMovementAllowed(world, key, channel, a.movement);
}

/**
 * A movement as a user received it (issue 20), judged by the rules, not by shared/movements.ts: a
 * coordinator anything; a responder only the carrier's list, of its own agency's movement now; a
 * consulate only groups on the manifest that it may see in full now (its nationals, consent yes,
 * no flag): never a flagged or non-consenting group of its state, in any event, on any channel.
 */
async function expectMovementAllowed(world: World, key: UserKey, channel: string, view: MovementView): Promise<void> {
  await expectNoTokens(world, key, channel, view);
  const user = await userNow(world, key);
  if (!user) return expect.fail(`${channel}: ${key} has no account but received a movement`);
  if (user.role === 'coordinator') return;
  if (user.role === 'responder') {
    if (view.view !== 'carrier' || user.agencyId !== view.movement.carrierAgencyId) expect.fail(`${channel}: ${key} received a movement it does not carry`);
    const json = JSON.stringify(view);
    if (json.includes('nationalit') || json.includes('"notes"')) expect.fail(`${channel}: the carrier ${key} received nationalities or notes`);
    return;
  }
  if (user.role !== 'embassy' || view.view !== 'nationals') return expect.fail(`${channel}: ${key} received a movement as ${view.view}`);
  for (const e of view.movement.manifest) {
    const g = await world.repos.groups.findById(e.groupId);
    const allowed = g ? await oracle(world, key, g) : null;
    if (allowed?.view !== 'nationals') expect.fail(`${channel}: ${key} received group ${e.groupId} on a manifest, which it may not see now`);
  }
}

/** The movement events of a list of changes, judged. */
async function checkMovementEvents(world: World, key: UserKey, channel: string, changes: readonly ChangeEvent[]): Promise<void> {
  for (const c of changes) if (c.kind === 'movement.upsert') await expectMovementAllowed(world, key, channel, c.movement);
}

/** The live feed as it happened: each connected user's projection of each committed change, judged. */
async function checkLive(world: World, channel: string, committed: readonly PublishedChange[]): Promise<void> {
  for (const change of committed) {
    for (const key of Object.keys(world.users) as UserKey[]) {
      const receiver = await actorOf(world, key);
      if (!receiver) continue;
      const event = projectPublished(receiver.audience, change);
      if (event?.kind === 'movement.upsert') await expectMovementAllowed(world, key, channel, event.movement);
      if (event?.kind === 'site.upsert') await expectSiteAllowed(world, key, channel, event.site);
      if (event?.kind !== 'group.upsert') continue;
      await expectNoTokens(world, key, channel, event);
      await expectViewAllowed(world, key, channel, event.group);
    }
  }
}

/**
 * A site as received: the site as it stands now (never an older version), with who verified it
 * and its tally of recorded groups for coordinators only, and nothing in it of any group (no id,
 * note or nationality).
 */
async function expectSiteAllowed(world: World, key: UserKey, channel: string, received: Site, behindLog = false): Promise<void> {
  const current = await world.repos.sites.findById(received.id);
  const user = await userNow(world, key);
  if (!current || !user || user.disabled || user.crisisId !== current.crisisId || user.role === 'admin')
    return expect.fail(`${channel}: ${key} got a site it may not hold`);
  if (behindLog) {
    // A coordinator's shared packed snapshot may be a few changes behind the log (its seq says
    // so, and the client catches up at once): an older version of a site, but never more of it.
    if (user.role !== 'coordinator') expect.fail(`${channel}: ${key} got a snapshot behind the log`);
    expect(received.version, `${channel}: ${key}`).toBeLessThanOrEqual(current.version);
  } else {
    expect(received.version, `${channel}: ${key} got an old version of a site`).toBe(current.version);
    const expected = user.role === 'coordinator' ? current : { ...current, lastVerifiedBy: null, linked: null };
    expect(received, `${channel}: ${key}`).toEqual(expected);
  }
  if (user.role !== 'coordinator' && received.lastVerifiedBy !== null) expect.fail(`${channel}: ${key} learnt who verified a site`);
  // The tally moves by one group's headcount as it arrives or leaves: coordinators' only (rules 10, 11).
  if (user.role !== 'coordinator' && received.linked !== null) expect.fail(`${channel}: ${key} received a site's tally of recorded groups`);
  const text = JSON.stringify(received);
  for (const id of world.groupIds) if (text.includes(id)) expect.fail(`${channel}: a site carried group ${id}`);
  await expectNoTokens(world, key, channel, received);
}

async function checkSyncAck(world: World, key: UserKey, channel: string, ack: SyncAck): Promise<void> {
  if (!ack.ok) return;
  switch (ack.mode) {
    case 'snapshot':
      await expectNoTokens(world, key, channel, ack.groups);
      for (const v of ack.groups) await expectViewAllowed(world, key, channel, v);
      for (const m of ack.movements ?? []) await expectMovementAllowed(world, key, channel, m);
      for (const site of ack.sites) await expectSiteAllowed(world, key, channel, site);
      return;
    case 'changes':
      await expectNoTokens(world, key, channel, ack.changes);
      for (const c of ack.changes) if (c.kind === 'group.upsert') await expectViewAllowed(world, key, channel, c.group);
      await checkMovementEvents(world, key, channel, ack.changes);
      for (const c of ack.changes) if (c.kind === 'site.upsert') await expectSiteAllowed(world, key, channel, c.site);
      return;
    case 'packed': {
      const views = decodeViews(bytesToPacked(gunzipSync(ack.views as Uint8Array)));
      await expectNoTokens(world, key, channel, views);
      for (const v of views) await expectViewAllowed(world, key, channel, v);
      for (const m of ack.movements ?? []) await expectMovementAllowed(world, key, channel, m);
      for (const site of ack.sites) await expectSiteAllowed(world, key, channel, site, ack.seq < ack.head);
      return;
    }
    case 'packed-changes': {
      const changes = decodeChanges(bytesToPacked(gunzipSync(ack.changes as Uint8Array)));
      await expectNoTokens(world, key, channel, changes);
      for (const c of changes) if (c.kind === 'group.upsert') await expectViewAllowed(world, key, channel, c.group);
      await checkMovementEvents(world, key, channel, changes);
      for (const c of changes) if (c.kind === 'site.upsert') await expectSiteAllowed(world, key, channel, c.site);
      return;
    }
  }
}

/** Every channel, for every user, at this moment. */
async function checkEveryChannel(world: World): Promise<void> {
  // At rest too: what was purged or erased is stored nowhere, not in any earlier state of anything
  // the log keeps (a manifest's logged versions held purged and erased records until 2026-12-06).
  for (const token of world.purged) expect({ token, tables: sqliteTablesHolding(world.db, token) }).toEqual({ token, tables: [] });
  const head = await world.repos.changeLog.headSeq();
  for (const key of Object.keys(world.users) as UserKey[]) {
    const actor = await actorOf(world, key);
    if (!actor) continue;
    const audience = actor.audience;
    await checkSyncAck(world, key, 'snapshot', await world.sync.sync(audience, null));
    await checkSyncAck(world, key, 'packed snapshot', await world.sync.syncPacked(audience, null));
    for (let since = 0; since <= head; since++) {
      await checkSyncAck(world, key, `catch-up from ${since}`, await world.sync.sync(audience, since));
      await checkSyncAck(world, key, `packed catch-up from ${since}`, await world.sync.syncPacked(audience, since));
    }
    for (const id of world.groupIds) {
      const read = await world.reads.readGroup(audience, id);
      if (read.ok) {
        await expectNoTokens(world, key, 'REST read', read);
        await expectViewAllowed(world, key, 'REST read', read.group);
      }
    }
    if (audience.role === 'responder' || audience.role === 'embassy') {
      const page = await world.api.groups(audience, { since: 0, limit: 500 });
      await expectNoTokens(world, key, 'API groups', page);
      for (const item of page.items) await expectViewAllowed(world, key, 'API groups', item);
      await expectNoTokens(world, key, 'API needs', await world.api.needs(audience, { since: 0, limit: 500 }));
      const assignments = await world.api.assignments(audience, { since: 0, limit: 500 });
      await expectNoTokens(world, key, 'API assignments', assignments);
      for (const a of assignments.items) {
        const g = await world.repos.groups.findById(a.groupId);
        const allowed = g ? await oracle(world, key, g) : null;
        const held =
          allowed?.view === 'full'
            ? (allowed.group as Group).assignments
            : allowed?.view === 'nationals'
              ? (allowed.group as { assignments: { id: string }[] }).assignments
              : [];
        if (!held.some((h) => h.id === a.id)) expect.fail(`API assignments: ${key} may not receive assignment ${a.id} now`);
      }
    }
    if (audience.role === 'embassy') {
      // Aggregates carry counts only: no group's id, note or other nationality, whatever its state.
      const aggregates = await world.reads.aggregates(audience);
      await expectNoTokens(world, key, 'aggregates', aggregates);
      for (const id of world.groupIds) if (JSON.stringify(aggregates).includes(id)) expect.fail(`aggregates: ${key} received group id ${id}`);
    }
    for (const format of ['csv', 'geojson'] as const) {
      const stream = await world.exports.groups(audience, format, {});
      if (!stream.ok) continue;
      const body = await exportBody(stream);
      await expectNoTokens(world, key, `${format} export`, body);
      if (format === 'geojson') {
        const collection = JSON.parse(body) as { features: { geometry: { coordinates: [number, number] }; properties: Record<string, unknown> }[] };
        for (const f of collection.features) {
          const id = Object.values(f.properties).find((v) => typeof v === 'string' && world.groupIds.includes(v)) as string | undefined;
          const g = id ? await world.repos.groups.findById(id) : null;
          const allowed = g ? await oracle(world, key, g) : null;
          if (!g || !allowed || allowed.view === 'reduced') expect.fail(`geojson export: ${key} got a group it may not export now`);
          expect(f.geometry.coordinates).toEqual([g.location.lon, g.location.lat]);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Histories.

const natArb = fc.uniqueArray(fc.record({ code: fc.constantFrom<string>(...STATES, 'unknown'), count: fc.integer({ min: 1, max: 6 }) }), {
  selector: (n) => n.code,
  minLength: 1,
  maxLength: 3,
});
const latArb = fc.double({ min: 30.1, max: 32.9, noNaN: true });
const lonArb = fc.double({ min: 10.1, max: 24.9, noNaN: true });
const groupRef = fc.nat({ max: 7 });

const stepArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('report' as const),
      by: fc.constantFrom<UserKey>('coord', 'fieldA', 'fieldB'),
      nat: natArb,
      consent: fc.constantFrom(...CONSENT_VALUES),
      flag: fc.boolean(),
      lat: latArb,
      lon: lonArb,
      // The site the group is at (issue 20), by index into the sites created so far; none often.
      site: fc.option(fc.nat({ max: 3 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('consent' as const), g: groupRef, consent: fc.constantFrom(...CONSENT_VALUES) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('flag' as const), g: groupRef, flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('nationalities' as const), g: groupRef, nat: natArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('move' as const), g: groupRef, lat: latArb, lon: lonArb, site: fc.option(fc.nat({ max: 3 })) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('assign' as const),
      g: groupRef,
      agency: fc.constantFrom<AgencyKey>('IOM', 'MSF', 'NGA', 'MLI'),
      need: fc.constantFrom('water', 'documents'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), g: groupRef }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('accept' as const), g: groupRef, by: fc.constantFrom<UserKey>('respIOM', 'respMSF', 'embNGA', 'embMLI', 'late') }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('followUp' as const), g: groupRef, user: fc.constantFrom<UserKey>('fieldA', 'fieldB') }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('rescope' as const),
      user: fc.constantFrom<UserKey>('respIOM', 'embNGA', 'late'),
      agency: fc.constantFrom<AgencyKey>('IOM', 'MSF', 'NGA', 'MLI'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('disable' as const), user: fc.constantFrom<UserKey>('respMSF', 'embMLI', 'fieldB'), disabled: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('createUser' as const), agency: fc.constantFrom<AgencyKey>('NGA', 'MLI', 'IOM') }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('replay' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('check' as const) }) },
  // Issue 21: retention purges every group's details; a coordinator erases one group.
  { weight: 1, arbitrary: fc.record({ k: fc.constant('purge' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('erase' as const), g: groupRef }) },
  // Issue 20: groups put on a movement's manifest (verified first), and checked in by the carrier.
  { weight: 2, arbitrary: fc.record({ k: fc.constant('manifest' as const), g: groupRef }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('board' as const), g: groupRef }) },
  // Sites (issue 20): created and edited by the coordinator, reported by field teams, some reports late.
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('siteCreate' as const),
      lat: latArb,
      lon: lonArb,
      capacity: fc.option(fc.nat({ max: 300 })),
      occupancy: fc.option(fc.nat({ max: 400 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('siteReport' as const),
      s: fc.nat({ max: 3 }),
      by: fc.constantFrom<UserKey>('fieldA', 'fieldB'),
      status: fc.constantFrom(...SITE_STATUSES),
      occupancy: fc.option(fc.nat({ max: 400 })),
      minutesAgo: fc.integer({ min: -10, max: 600 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('siteEdit' as const), s: fc.nat({ max: 3 }), status: fc.constantFrom(...SITE_STATUSES), verified: fc.boolean() }),
  },
);
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/** A site created so far, by a step's index (null for none, or before any site exists): groups are linked to it. */
function siteOf(world: World, index: number | null): string | null {
  if (index === null || world.siteIds.length === 0) return null;
  return world.siteIds[index % world.siteIds.length] ?? null;
}

async function groupAt(world: World, index: number): Promise<Group | null> {
  if (world.groupIds.length === 0) return null;
  return await world.repos.groups.findById(world.groupIds[index % world.groupIds.length] as string);
}

/** The command a step sends, and who sends it; null when the step sends none. */
async function commandOf(world: World, step: Step): Promise<{ by: UserKey; command: Command } | null> {
  const commandId = uuidv7();
  if (step.k === 'report') {
    const id = uuidv7();
    const total = step.nat.reduce((s, n) => s + n.count, 0) + 1;
    return {
      by: step.by,
      command: {
        type: 'group.report',
        commandId,
        group: {
          id,
          location: { lat: step.lat, lon: step.lon, accuracyM: null, placeName: `place-${id.slice(-6)}`, siteType: 'other', siteId: siteOf(world, step.site) },
          seenAt: new Date(NOW).toISOString(),
          headcount: { total, female: { under5: 0, age5to17: 1, age18to59: 0, age60plus: 0 }, male: { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 } },
          nationalities: step.nat,
          vulnerabilities: {
            unaccompaniedChildren: 0,
            separatedChildren: 0,
            pregnantOrLactating: 0,
            disability: 1,
            olderPersons: 0,
            seriousMedical: 0,
            possibleTrafficking: 0,
            detained: 0,
          },
          documents: { valid: 0, lostOrDestroyed: 1, confiscated: 0, neverHad: 0, unknown: 0 },
          intention: 'evacuate_to_origin',
          consentConsulate: step.consent,
          protectionConcern: step.flag,
          notes: `NOTE-${id.slice(-12)}`,
          needs: [
            { id: uuidv7(), type: 'water', severity: 4, people: total },
            { id: uuidv7(), type: 'documents', severity: 2, people: 1 },
          ],
        },
      },
    };
  }
  if (
    step.k === 'check' ||
    step.k === 'rescope' ||
    step.k === 'disable' ||
    step.k === 'createUser' ||
    step.k === 'replay' ||
    step.k === 'purge' ||
    step.k === 'erase' ||
    step.k === 'siteCreate' ||
    step.k === 'siteReport' ||
    step.k === 'siteEdit'
  )
    return null;
  const g = await groupAt(world, step.g);
  if (!g) return null;
  const edit = { commandId, groupId: g.id, baseVersion: g.version };
  switch (step.k) {
    case 'consent':
      return { by: 'coord', command: { type: 'group.update', ...edit, patch: { consentConsulate: step.consent } } };
    case 'flag':
      return { by: 'coord', command: { type: 'group.update', ...edit, patch: { protectionConcern: step.flag } } };
    case 'nationalities': {
      const fits = step.nat.reduce((s, n) => s + n.count, 0) <= g.headcount.total;
      return fits ? { by: 'coord', command: { type: 'group.update', ...edit, patch: { nationalities: step.nat } } } : null;
    }
    case 'move':
      return {
        by: 'coord',
        command: {
          type: 'group.update',
          ...edit,
          patch: { location: { ...g.location, lat: step.lat, lon: step.lon, placeName: `moved-${commandId.slice(-6)}`, siteId: siteOf(world, step.site) } },
        },
      };
    case 'assign': {
      const need = g.needs.find((n) => n.type === step.need);
      if (!need) return null;
      return {
        by: 'coord',
        command: {
          type: 'assignment.create',
          ...edit,
          assignment: { id: uuidv7(), needId: need.id, agencyId: world.agencies[step.agency], note: '', expectedBy: null },
        },
      };
    }
    case 'cancel': {
      const a = g.assignments.findLast((x) => ACTIVE.has(x.status));
      return a
        ? { by: 'coord', command: { type: 'assignment.update', commandId, groupId: g.id, baseVersion: a.version, assignmentId: a.id, status: 'cancelled' } }
        : null;
    }
    case 'accept': {
      // The agency's own user moves its assignment on: its ack, replayed later, must follow what it may see then.
      const agencyId = (await userNow(world, step.by))?.agencyId;
      const a = g.assignments.find((x) => x.agencyId === agencyId && x.status === 'proposed');
      return a
        ? { by: step.by, command: { type: 'assignment.update', commandId, groupId: g.id, baseVersion: a.version, assignmentId: a.id, status: 'accepted' } }
        : null;
    }
    case 'followUp': {
      const userId = world.users[step.user];
      return userId ? { by: 'coord', command: { type: 'group.requestFollowUp', ...edit, userId } } : null;
    }
    case 'manifest':
    case 'board':
      // Sent by `run` itself: a few commands in turn.
      return null;
  }
}

/** Notes a group's free text and place name as purged: no payload to anyone may hold them from now on. */
function remember(world: World, g: Group | null): void {
  if (g?.notes) world.purged.add(g.notes);
  if (g?.location.placeName) world.purged.add(g.location.placeName);
}

/** A site command of a step, with who sends it; null when the step names a site not yet created. */
async function siteCommandOf(
  world: World,
  step: Extract<Step, { k: 'siteCreate' | 'siteReport' | 'siteEdit' }>,
): Promise<{ by: UserKey; command: Command } | null> {
  const commandId = uuidv7();
  if (step.k === 'siteCreate') {
    const id = uuidv7();
    const site = {
      id,
      type: 'shelter' as const,
      name: `site-${id.slice(-6)}`,
      location: { lat: step.lat, lon: step.lon, placeName: `site-place-${id.slice(-6)}` },
    };
    // Parsed as the socket handler parses it: the schema fills the defaults.
    return { by: 'coord', command: Command.parse({ type: 'site.create', commandId, site: { ...site, capacity: step.capacity, occupancy: step.occupancy } }) };
  }
  const siteId = world.siteIds[step.s % Math.max(1, world.siteIds.length)];
  const site = siteId ? await world.repos.sites.findById(siteId) : null;
  if (!site) return null;
  if (step.k === 'siteEdit') {
    return {
      by: 'coord',
      command: {
        type: 'site.update',
        commandId,
        siteId: site.id,
        baseVersion: site.version,
        patch: { status: step.status, ...(step.verified ? { verified: true } : {}) },
      },
    };
  }
  const observedAt = new Date(NOW - step.minutesAgo * 60_000).toISOString();
  return { by: step.by, command: { type: 'site.report', commandId, siteId: site.id, report: { status: step.status, occupancy: step.occupancy, observedAt } } };
}

async function runSite(world: World, step: Extract<Step, { k: 'siteCreate' | 'siteReport' | 'siteEdit' }>): Promise<void> {
  const planned = await siteCommandOf(world, step);
  const actor = planned ? await actorOf(world, planned.by) : null;
  if (!planned || !actor) return;
  const outcome = await world.sites.execute(actor, planned.command as Extract<Command, { type: `site.${string}` }>);
  if (!outcome.ack.ok) {
    const current = (outcome.ack as { currentSite?: Site }).currentSite;
    if (current) await expectSiteAllowed(world, planned.by, 'site conflict', current);
    return;
  }
  if (planned.command.type === 'site.create') world.siteIds.push(planned.command.site.id);
  if (outcome.ack.site) await expectSiteAllowed(world, planned.by, 'site ack', outcome.ack.site);
  // The live feed as it happened: each connected user's projection of the committed site.
  for (const change of outcome.committed) {
    for (const key of Object.keys(world.users) as UserKey[]) {
      const receiver = await actorOf(world, key);
      if (!receiver) continue;
      const event = projectPublished(receiver.audience, change);
      if (event?.kind === 'site.upsert') await expectSiteAllowed(world, key, 'site live feed', event.site);
      else if (receiver.audience.crisisId === change.crisisId && receiver.audience.role !== 'admin') expect.fail(`site live feed: ${key} got nothing`);
    }
  }
}

async function run(world: World, step: Step): Promise<void> {
  switch (step.k) {
    case 'check':
      return checkEveryChannel(world);
    case 'siteCreate':
    case 'siteReport':
    case 'siteEdit':
      return runSite(world, step);
    case 'rescope': {
      const id = world.users[step.user];
      if (!id) return;
      const role: Role = step.agency === 'NGA' || step.agency === 'MLI' ? 'embassy' : 'responder';
      const acronym = { IOM: 'IOM', MSF: 'MSF', NGA: 'NGA-EMB', MLI: 'MLI-EMB' }[step.agency];
      await world.admin.changeScope(id, { role, agency: acronym, crisisId: world.crisisId });
      return;
    }
    case 'disable': {
      const id = world.users[step.user];
      if (id) await world.admin.setDisabled(id, step.disabled);
      return;
    }
    case 'createUser':
      if (!world.users.late) await createUser(world, 'late', step.agency === 'IOM' ? 'responder' : 'embassy', step.agency);
      return;
    case 'purge': {
      for (const id of world.groupIds) remember(world, await world.repos.groups.findById(id));
      const committed: PublishedChange[] = [];
      await world.retention.runDue((changes) => committed.push(...changes));
      // The purge's live feed: the purged state, as each user may see it now.
      await checkLive(world, 'purge feed', committed);
      return;
    }
    case 'erase': {
      const g = await groupAt(world, step.g);
      const coord = await actorOf(world, 'coord');
      if (!g || !coord) return;
      remember(world, g);
      const erased = await world.retention.erase(coord.audience, g.id, 'person_request');
      if (!erased.ok) return expect.fail(`erase: ${erased.code}`);
      // Every user's live feed gets a removal, and nothing of the group.
      await checkLive(world, 'erasure feed', erased.committed.filter(isMovementChange));
      for (const change of erased.committed) {
        if (isMovementChange(change) || isSiteChange(change)) continue;
        for (const key of Object.keys(world.users) as UserKey[]) {
          const receiver = await actorOf(world, key);
          if (!receiver) continue;
          expect(projectChange(receiver.audience, change.seq, change.before, change.after, change.erased)).toEqual({
            kind: 'group.remove',
            seq: change.seq,
            groupId: g.id,
          });
        }
      }
      return;
    }
    case 'manifest':
    case 'board': {
      const g = await groupAt(world, step.g);
      if (!g) return;
      const send = async (by: UserKey, command: Command) => {
        const actor = await actorOf(world, by);
        if (!actor) return;
        const outcome = await world.commands.execute(actor, command);
        if (!outcome.ack.ok) return;
        world.sent.push({ by, command });
        await checkAck(world, by, 'ack', outcome.ack);
        await checkLive(world, 'live feed', outcome.committed);
      };
      if (world.movementId === null) {
        world.movementId = uuidv7();
        const place = { siteId: null, place: { name: 'Assembly point', lat: 32.5, lon: 13.1 } };
        await send('coord', {
          type: 'movement.create',
          commandId: uuidv7(),
          movement: {
            id: world.movementId,
            kind: 'relocation_in_country',
            mode: 'bus',
            carrierAgencyId: world.agencies.IOM,
            seats: 10_000,
            destinationCountry: null,
            notes: 'movement note',
            legs: [{ id: world.legId, from: place, to: place, plannedDeparture: null, plannedArrival: null }],
          },
        });
      }
      const movement = await world.repos.movements.findById(world.movementId);
      if (!movement) return;
      if (step.k === 'manifest') {
        if (g.status === 'reported')
          await send('coord', { type: 'group.setStatus', commandId: uuidv7(), groupId: g.id, baseVersion: g.version, status: 'verified' });
        const now = await world.repos.movements.findById(world.movementId);
        await send('coord', {
          type: 'movement.addGroup',
          commandId: uuidv7(),
          movementId: world.movementId,
          baseVersion: now!.version,
          groupId: g.id,
          consentToMove: true,
          pickup: null,
          specialNeeds: '',
        });
        return;
      }
      if (movement.legs[0]?.status === 'planned')
        await send('coord', { type: 'movement.setLegStatus', commandId: uuidv7(), movementId: world.movementId, legId: world.legId, status: 'confirmed' });
      await send('respIOM', { type: 'movement.checkIn', commandId: uuidv7(), movementId: world.movementId, groupId: g.id, state: 'checked_in' });
      return;
    }
    case 'replay': {
      const prior = world.sent[step.i % Math.max(1, world.sent.length)];
      const actor = prior ? await actorOf(world, prior.by) : null;
      if (!prior || !actor) return;
      const outcome = await world.commands.execute(actor, prior.command);
      expect(outcome.committed).toEqual([]);
      await checkAck(world, prior.by, 'replayed ack', outcome.ack);
      return;
    }
    default: {
      const planned = await commandOf(world, step);
      const actor = planned ? await actorOf(world, planned.by) : null;
      if (!planned || !actor) return;
      const outcome = await world.commands.execute(actor, planned.command);
      if (!outcome.ack.ok) return;
      world.sent.push(planned);
      if (planned.command.type === 'group.report') world.groupIds.push(planned.command.group.id);
      await checkAck(world, planned.by, 'ack', outcome.ack);
      // The live feed as it happened: each connected user's projection of each committed change.
      await checkLive(world, 'live feed', outcome.committed);
    }
  }
}

describe('what every user receives on every channel, against a history-aware oracle', () => {
  it('delivers only what the group as it stands allows the user as it stands, never a state from history', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 3, maxLength: 14 }), async (steps) => {
        const world = await makeWorld();
        try {
          for (const step of steps) await run(world, step);
          await checkEveryChannel(world);
        } finally {
          world.db.close();
        }
      }),
      // 1,000 worlds, or as many as four minutes allow on a loaded machine (a counterexample found in
      // that time still fails the test; only running out of time does not).
      // HISTORY_SEED (and HISTORY_PATH) replay a counterexample fast-check printed.
      {
        numRuns: Number(process.env.HISTORY_RUNS ?? 1_000),
        interruptAfterTimeLimit: 240_000,
        markInterruptAsFailure: false,
        ...(process.env.HISTORY_SEED
          ? { seed: Number(process.env.HISTORY_SEED), ...(process.env.HISTORY_PATH ? { path: process.env.HISTORY_PATH } : {}) }
          : {}),
      },
    );
  }, 600_000);
});
