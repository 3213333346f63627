import type { Repositories } from '../repositories/repositories';
import type { MovementChangeKind } from '../repositories/movement.repository';
import {
  isCarrier,
  isRefused,
  planAddGroup,
  planCheckIn,
  planConfirmDocuments,
  planLegStatus,
  planLegs,
  planRemoveGroup,
  projectMovement,
  refreshManifest,
  arrived,
  capacityShortfalls,
  seatRefusal,
  siteFullRefusal,
  statusAfterArrival,
  type Refused,
} from '../../shared/movements';
import type { Audience } from '../../shared/projection';
import { can } from '../../shared/permissions';
import { failure, type Failure, type Issue } from '../../shared/protocol';
import type { Group } from '../../shared/schemas/group.schema';
import type { MovementCommand } from '../../shared/schemas/movement-command.schema';
import {
  Movement,
  type Leg,
  type LegInput,
  type ManifestEntry,
  type MovementInput,
  type MovementPatch,
  type MovementView,
} from '../../shared/schemas/movement.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import type { Actor, CommandOutcome } from './group.service';
import type { PublishedChange } from './command.service';
import { SiteLinks } from './site-links';

/** A movement change that committed: its state before (null when new) and after. */
export interface CommittedMovementChange {
  entity: 'movement';
  seq: number;
  crisisId: string;
  before: Movement | null;
  after: Movement;
}

type MovementFailure = Failure & { movement?: MovementView };

const notFound = (): MovementFailure => failure('not_found', 'no such movement in your crisis');
const groupNotFound = (): MovementFailure => failure('not_found', 'no such group in your crisis');

/** A refused step as it travels: `conflict`, the rule's name as the issue code, and the movement as it stands. */
function refusal(actor: Actor, current: Movement, refused: Refused): MovementFailure {
  return withMovement(actor, current, failure('conflict', refused.message, [{ path: [], message: refused.message, code: refused.refused }]));
}

/** A stale base version: `conflict` with the movement as it stands, for the person to resolve. */
function stale(actor: Actor, current: Movement, baseVersion: number): MovementFailure | null {
  if (current.version === baseVersion) return null;
  return withMovement(actor, current, failure('conflict', `the movement changed since version ${baseVersion}; it is now at ${current.version}`));
}

function withMovement(actor: Actor, current: Movement, base: Failure): MovementFailure {
  const view = projectMovement(actor.audience, current);
  return view ? { ...base, movement: view } : base;
}

/** A planned next state: the movement, and the groups its arrival moved on (status evacuated or relocated). */
interface Planned {
  before: Movement | null;
  after: Movement;
  groups: { before: Group; after: Group }[];
}

/**
 * Movement commands (issue 20): plan, manifest, legs, check-in, documents. Each runs in one
 * transaction with its change-log row (entity 'movement'), its audit row and its idempotency
 * record, through the same command path as the group commands (CommandService hands them here).
 */
export class MovementService {
  readonly #repos: Repositories;
  readonly #now: () => number;

  constructor(repos: Repositories, now: () => number = Date.now) {
    this.#repos = repos;
    this.#now = now;
  }

  /** Applies a parsed movement command for an actor; a role that may not attempt it is refused here, as in the other services. */
  async execute(actor: Actor, command: MovementCommand): Promise<CommandOutcome> {
    if (!can(actor.audience.role, command.type)) return { ack: failure('forbidden', `your role may not ${command.type}`), committed: [] };
    const crisisId = actor.audience.crisisId;
    if (crisisId === null) return { ack: failure('forbidden', 'you are not assigned to a crisis'), committed: [] };
    return this.#repos.transaction(async (): Promise<CommandOutcome> => {
      const prior = await this.#repos.idempotency.find(command.commandId);
      if (prior) return { ack: await this.#replay(actor, prior.userId, prior.result), committed: [] };
      const at = new Date(this.#now()).toISOString();
      const planned = await this.#plan(actor, crisisId, command, at);
      if ('ok' in planned) return { ack: planned, committed: [] };

      const committed: PublishedChange[] = [];
      // The groups that arrived first, so the movement's own row (written last) copies their new status.
      let after = planned.after;
      for (const g of planned.groups) {
        const json = JSON.stringify(g.after);
        await this.#repos.groups.update(g.after, json);
        const seq = await this.#repos.changeLog.appendGroupChange(command.type, g.after, actor.userId, at, json);
        await this.#audit(actor, 'movement.setLegStatus', 'group', g.after.id, at);
        committed.push({ seq, crisisId, before: g.before, after: g.after });
        after = refreshManifest(after, g.after) ?? after;
      }
      // A group that moved on (evacuated, relocated) leaves its site's tally in this commit (issue 20).
      committed.push(...(await new SiteLinks(this.#repos).follow(planned.groups, command.type, actor.userId, at)));
      const json = JSON.stringify(after);
      if (planned.before) await this.#repos.movements.update(after, json);
      else await this.#repos.movements.insert(after, json);
      const seq = await this.#repos.movements.appendChange(command.type, after, actor.userId, at, json);
      await this.#audit(actor, command.type, 'movement', after.id, at);
      committed.push({ entity: 'movement', seq, crisisId, before: planned.before, after });
      // The idempotency record points at the movement's row: a replay answers with that movement.
      await this.#repos.idempotency.insert(command.commandId, actor.userId, seq, seq, at);
      return { ack: { ok: true, seq, group: null, movement: projectMovement(actor.audience, after) }, committed };
    });
  }

  /**
   * Copies a group's new state into the open movements that list it, in the group's transaction, so
   * each audience's view of the manifest follows the group record in the same commit (a flag set
   * takes the group off its consulate's manifest at once). Returns the movement changes written.
   */
  async refreshFor(group: Group, actorId: string | null, at: string, openOnly = true): Promise<CommittedMovementChange[]> {
    return this.refreshForAll([group], actorId, at, openOnly);
  }

  /**
   * `refreshFor` of several groups changed in one transaction: each manifest that lists any of
   * them gets one new version with all their records, never a version with some refreshed and
   * others not (which, published after the commit, would carry a state of the others that no
   * longer stands).
   */
  async refreshForAll(groups: readonly Group[], actorId: string | null, at: string, openOnly = true): Promise<CommittedMovementChange[]> {
    const ids = new Set<string>();
    for (const group of groups) for (const id of await this.#repos.movements.idsForGroup(group.id, openOnly)) ids.add(id);
    return this.#rewriteMovements([...ids], actorId, at, (m) => {
      let changed: Movement | null = null;
      for (const group of groups) changed = refreshManifest(changed ?? m, group) ?? changed;
      return changed;
    });
  }

  /**
   * Takes an erased group off every manifest that lists it (issue 21: it appears nowhere after
   * its erasure, in current counts neither), in the erasure's transaction.
   */
  async forget(groupId: string, at: string): Promise<CommittedMovementChange[]> {
    return this.#rewrite(groupId, false, null, at, (m) => ({ ...m, manifest: m.manifest.filter((e) => e.groupId !== groupId) }));
  }

  /**
   * Applies `change` to the entries of `groupIds` (null: the entry goes) in every logged state of
   * the crisis's manifests that listed them, in place (issue 21): the change log keeps each earlier
   * state of a manifest, and a group taken off a manifest stays in the states from before, out of
   * reach of the refresh of the current ones.
   */
  async rewriteHistory(crisisId: string, groupIds: readonly string[], change: (entry: ManifestEntry) => ManifestEntry | null): Promise<void> {
    const ids = new Set(groupIds);
    for (const { seq, movement } of await this.#repos.movements.loggedListing(crisisId, [...ids])) {
      const manifest = movement.manifest.flatMap((entry) => (ids.has(entry.groupId) ? (change(entry) ?? []) : [entry]));
      const json = JSON.stringify({ ...movement, manifest });
      if (json !== JSON.stringify(movement)) await this.#repos.movements.rewriteLogged(seq, json);
    }
  }

  async #rewrite(
    groupId: string,
    openOnly: boolean,
    actorId: string | null,
    at: string,
    change: (m: Movement) => Movement | null,
  ): Promise<CommittedMovementChange[]> {
    return this.#rewriteMovements(await this.#repos.movements.idsForGroup(groupId, openOnly), actorId, at, change);
  }

  async #rewriteMovements(
    movementIds: readonly string[],
    actorId: string | null,
    at: string,
    change: (m: Movement) => Movement | null,
  ): Promise<CommittedMovementChange[]> {
    const out: CommittedMovementChange[] = [];
    for (const id of movementIds) {
      const before = await this.#repos.movements.findById(id);
      const changed = before ? change(before) : null;
      if (!before || !changed) continue;
      const after = { ...changed, version: before.version + 1, updatedAt: at };
      const json = JSON.stringify(after);
      await this.#repos.movements.update(after, json);
      const seq = await this.#repos.movements.appendChange('movement.refresh', after, actorId, at, json);
      out.push({ entity: 'movement', seq, crisisId: after.crisisId, before, after });
    }
    return out;
  }

  /** The crisis's movements this audience may see, projected for it (snapshots), page by page from the store. */
  async list(audience: Audience): Promise<MovementView[]> {
    const crisisId = audience.crisisId;
    if (crisisId === null) return [];
    const out: MovementView[] = [];
    for await (const m of eachMovement(this.#repos, crisisId)) {
      const view = projectMovement(audience, m);
      if (view) out.push(view);
    }
    return out;
  }

  /**
   * What the audience misses of movements since `sinceSeq` (catch-up), decided now as for groups
   * (protection rule 8): each changed movement's current state projected for it, at the seq of its
   * last change, or a removal when it could see it at `sinceSeq` or since and no longer can.
   */
  async changesAfter(audience: Audience, crisisId: string, sinceSeq: number, head: number): Promise<ChangeEvent[]> {
    const changed = new Map<string, { seq: number; current: Movement; seen: boolean }>();
    for (let after = sinceSeq; ;) {
      const page = await this.#repos.movements.listChanges(crisisId, after, head, 1_000);
      for (const change of page) {
        const entry = changed.get(change.movement.id);
        const visible = projectMovement(audience, change.movement) !== null;
        changed.set(change.movement.id, { seq: change.seq, current: change.movement, seen: (entry?.seen ?? false) || visible });
      }
      const last = page.at(-1);
      if (!last || page.length < 1_000) break;
      after = last.seq;
    }
    const out: ChangeEvent[] = [];
    for (const [id, { seq, current, seen }] of changed) {
      const view = projectMovement(audience, current);
      if (view) out.push({ kind: 'movement.upsert', seq, movement: view });
      else if (seen || (await this.#heldAt(audience, id, sinceSeq))) out.push({ kind: 'movement.remove', seq, movementId: id });
    }
    return out;
  }

  async #heldAt(audience: Audience, movementId: string, sinceSeq: number): Promise<boolean> {
    const before = await this.#repos.movements.stateBefore(movementId, sinceSeq + 1);
    return before !== null && projectMovement(audience, before) !== null;
  }

  /** A repeated command id: the movement as it stands now, projected for the caller now (protection rule 8). */
  async #replay(actor: Actor, userId: string, result: unknown): Promise<MovementFailure | CommandOutcome['ack']> {
    if (userId !== actor.userId) return failure('invalid', 'this command id was already used');
    const stored = typeof result === 'object' && result !== null ? (result as { seq?: unknown; group?: unknown }) : {};
    const logged = Movement.safeParse(stored.group);
    if (!logged.success || typeof stored.seq !== 'number') return failure('invalid', 'this command id was already used');
    const current = await this.#repos.movements.findById(logged.data.id);
    return { ok: true, seq: stored.seq, group: null, movement: current ? projectMovement(actor.audience, current) : null };
  }

  async #audit(actor: Actor, action: MovementChangeKind & `movement.${string}`, recordType: 'movement' | 'group', recordId: string, at: string): Promise<void> {
    if (action === 'movement.refresh') return;
    await this.#repos.audit.append({ at, userId: actor.userId, role: actor.audience.role, action, recordType, recordId, outcome: 'ok' });
  }

  async #plan(actor: Actor, crisisId: string, command: MovementCommand, at: string): Promise<Planned | MovementFailure> {
    if (command.type === 'movement.create') return this.#planCreate(actor, crisisId, command.movement, at);
    const current = await this.#repos.movements.findById(command.movementId);
    // Another crisis's movement, or one this user does not receive, answers exactly like a missing one.
    if (!current || current.crisisId !== crisisId || projectMovement(actor.audience, current) === null) return notFound();
    const next = (m: Movement | Refused, groups: Planned['groups'] = []): Planned | MovementFailure =>
      isRefused(m) ? refusal(actor, current, m) : { before: current, after: { ...m, version: current.version + 1, updatedAt: at }, groups };
    const mayRun = actor.audience.role === 'coordinator' || isCarrier(actor.audience, current);
    switch (command.type) {
      case 'movement.update': {
        const conflict = stale(actor, current, command.baseVersion);
        if (conflict) return conflict;
        const patched = await this.#applyPatch(current, command.patch);
        return 'ok' in patched ? patched : next(patched);
      }
      case 'movement.addGroup': {
        const conflict = stale(actor, current, command.baseVersion);
        if (conflict) return conflict;
        const group = await this.#repos.groups.findById(command.groupId);
        if (!group || group.crisisId !== crisisId) return groupNotFound();
        return next(planAddGroup(current, group, { pickup: command.pickup, specialNeeds: command.specialNeeds, consent: { recordedBy: actor.userId, at } }));
      }
      case 'movement.removeGroup': {
        const conflict = stale(actor, current, command.baseVersion);
        if (conflict) return conflict;
        return next(planRemoveGroup(current, command.groupId));
      }
      case 'movement.setLegStatus': {
        if (!mayRun) return notFound();
        const moved = planLegStatus(current, command.legId, command.status, at);
        if (isRefused(moved)) return next(moved);
        if (command.status === 'confirmed' && !(command.acceptOverCapacity === true && actor.audience.role === 'coordinator')) {
          const full = await this.#shortfall(moved, command.legId);
          if (full) return next(full);
        }
        return next(moved, arrived(moved) && !arrived(current) ? await this.#arrivals(moved, at) : []);
      }
      case 'movement.checkIn':
        if (!mayRun) return notFound();
        return next(planCheckIn(current, command.groupId, command.state));
      case 'movement.confirmDocuments': {
        const state = actor.audience.servesState;
        const agencyId = actor.audience.agencyId;
        if (actor.audience.role !== 'embassy' || state === null || agencyId === null) return notFound();
        // A group the consulate may not see answers like a missing one (protection rule 1).
        const confirmed = planConfirmDocuments(current, command.groupId, command.status, state, agencyId);
        return confirmed ? next(confirmed) : groupNotFound();
      }
    }
  }

  async #planCreate(actor: Actor, crisisId: string, input: MovementInput, at: string): Promise<Planned | MovementFailure> {
    const existing = await this.#repos.movements.findById(input.id);
    if (existing)
      return existing.crisisId === crisisId
        ? refusal(actor, existing, { refused: 'already_on_manifest', message: 'a movement with this id already exists' })
        : notFound();
    const carrier = await this.#checkCarrier(input.carrierAgencyId);
    if (carrier) return carrier;
    const sites = await this.#checkSites(crisisId, input.legs);
    if (sites) return sites;
    const legs: Leg[] = input.legs.map((l) => ({ ...l, status: 'planned', actualDeparture: null, actualArrival: null }));
    const movement = Movement.safeParse({ ...input, legs, crisisId, version: 1, manifest: [], createdBy: actor.userId, createdAt: at, updatedAt: at });
    if (!movement.success) return failure('invalid', 'the movement is not valid');
    return { before: null, after: movement.data, groups: [] };
  }

  /** A carrier must be an agency that exists and is not a consulate (consulates confirm documents; they do not drive buses). */
  async #checkCarrier(id: string | null | undefined): Promise<MovementFailure | null> {
    if (id === null || id === undefined) return null;
    const agency = await this.#repos.agencies.findById(id);
    if (!agency || agency.type === 'consulate')
      return failure('invalid', 'the carrier must be an agency of the response', [
        { path: ['carrierAgencyId'], message: 'unknown carrier', code: 'carrier_unknown' },
      ]);
    return null;
  }

  /**
   * A leg's end may name a site of the registry (issue 20): it must be a site of the movement's
   * crisis. Another crisis's site is refused exactly like a missing one, so its existence is not
   * told. One issue per end, at its path, code `site_unknown`.
   */
  async #checkSites(crisisId: string, legs: readonly LegInput[]): Promise<MovementFailure | null> {
    const issues: Issue[] = [];
    for (const [i, leg] of legs.entries()) {
      for (const end of ['from', 'to'] as const) {
        const siteId = leg[end].siteId;
        if (siteId === null) continue;
        const site = await this.#repos.sites.findById(siteId);
        if (!site || site.crisisId !== crisisId) issues.push({ path: ['legs', i, end, 'siteId'], message: 'unknown site', code: 'site_unknown' });
      }
    }
    return issues.length === 0 ? null : failure('invalid', 'a leg names a site that is not in your crisis', issues);
  }

  async #applyPatch(current: Movement, patch: MovementPatch): Promise<Movement | Refused | MovementFailure> {
    const carrier = await this.#checkCarrier(patch.carrierAgencyId);
    if (carrier) return carrier;
    const { legs: legInputs, ...fields } = patch;
    let legs = current.legs;
    if (legInputs) {
      const sites = await this.#checkSites(current.crisisId, legInputs);
      if (sites) return sites;
      const planned = planLegs(current, legInputs);
      if (isRefused(planned)) return planned;
      legs = planned.legs;
    }
    const next: Movement = { ...current, ...fields, legs };
    return seatRefusal(next.seats, next.manifest) ?? next;
  }

  /**
   * The capacity rule (issue 20): a leg is confirmed into a registered site only when the site has
   * a free place for everyone the movement carries, by the site's own capacity and occupancy, or
   * when a coordinator accepts the overflow. Judged at confirmation, not later: a carrier's phone
   * reporting boarding or arrival from the road is never stopped by a figure it cannot see.
   */
  async #shortfall(movement: Movement, legId: string): Promise<Refused | null> {
    const leg = movement.legs.find((l) => l.id === legId);
    const siteId = leg?.to.siteId ?? null;
    if (siteId === null) return null;
    const site = await this.#repos.sites.findById(siteId);
    const room = site && site.crisisId === movement.crisisId ? site : null;
    const [short] = capacityShortfalls(movement, (id) => (id === siteId ? room : null), new Set([legId]));
    return short ? siteFullRefusal(short) : null;
  }

  /** The groups that travelled, each with the status its arrival gives it (shared/movements.ts `statusAfterArrival`). */
  async #arrivals(movement: Movement, at: string): Promise<Planned['groups']> {
    const out: Planned['groups'] = [];
    for (const entry of movement.manifest) {
      if (entry.state !== 'boarded') continue;
      const group = await this.#repos.groups.findById(entry.groupId);
      if (!group) continue;
      const status = statusAfterArrival(movement.kind, group.status);
      if (status === null) continue;
      out.push({ before: group, after: { ...group, status, version: group.version + 1, updatedAt: at } });
    }
    return out;
  }
}

/** Every movement of a crisis, page by page. */
export async function* eachMovement(repos: Pick<Repositories, 'movements'>, crisisId: string, pageSize = 200): AsyncGenerator<Movement> {
  let after = '';
  for (;;) {
    const page = await repos.movements.pageByCrisis(crisisId, after, pageSize);
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = last.id;
  }
}
