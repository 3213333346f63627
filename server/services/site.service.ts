import { z } from 'zod';
import type { Repositories } from '../repositories/repositories';
import type { CommandAck } from '../../shared/events';
import { can } from '../../shared/permissions';
import { failure, toIssues, type Failure } from '../../shared/protocol';
import type { SiteCommand } from '../../shared/schemas/command.schema';
import { Site, type SiteInputParsed, type SitePatch } from '../../shared/schemas/site.schema';
import { decideReport, projectSite } from '../../shared/sites';
import { AdminAreaIndexes } from './admin-area-indexes';
import type { Actor } from './group.service';

/** A site change that committed (issue 20): published to every audience of its crisis as `site.upsert`. */
export interface CommittedSiteChange {
  entity: 'site';
  seq: number;
  crisisId: string;
  site: Site;
}

/** What a site command produced: its answer, and the change to publish (none when refused). */
export interface SiteCommandOutcome {
  ack: CommandAck;
  committed: CommittedSiteChange[];
}

type SiteFailure = Failure & { currentSite?: Site };

/**
 * The stored form of a site command's answer. The idempotency record points at the change-log row
 * the command wrote (idempotency.repository.ts), which it reads back under the name `group`
 * whatever the entity: for a site command that row holds the site.
 */
const StoredSiteAck = z.object({ ok: z.literal(true), seq: z.number().int().min(1), group: Site });

const notFound = (): SiteFailure => failure('not_found', 'no such site in your crisis');

/**
 * Site commands: create, edit (coordinator) and report (field). One transaction per command with
 * its change-log row, audit row and idempotency record, as group commands have; run by the same
 * write path (GroupCommit), so a site's change is numbered, committed and published in one order
 * with the groups'.
 */
export class SiteService {
  readonly #repos: Repositories;
  readonly #now: () => number;
  readonly #areas: AdminAreaIndexes;

  constructor(repos: Repositories, now: () => number = Date.now, areas: AdminAreaIndexes = new AdminAreaIndexes(repos)) {
    this.#repos = repos;
    this.#now = now;
    this.#areas = areas;
  }

  /** Applies a parsed site command for an actor; a repeated command id returns the first result, as the site stands now. */
  async execute(actor: Actor, command: SiteCommand): Promise<SiteCommandOutcome> {
    if (!can(actor.audience.role, command.type)) return { ack: failure('forbidden', `your role may not ${command.type}`), committed: [] };
    const crisisId = actor.audience.crisisId;
    if (crisisId === null) return { ack: failure('forbidden', 'you are not assigned to a crisis'), committed: [] };

    return this.#repos.transaction(async (): Promise<SiteCommandOutcome> => {
      const prior = await this.#repos.idempotency.find(command.commandId);
      if (prior) {
        if (prior.userId !== actor.userId) return { ack: failure('invalid', 'this command id was already used'), committed: [] };
        const stored = StoredSiteAck.safeParse(prior.result);
        if (!stored.success) return { ack: failure('invalid', 'this command id was already used'), committed: [] };
        const current = await this.#repos.sites.findById(stored.data.group.id);
        return { ack: { ok: true, seq: stored.data.seq, group: null, site: current ? projectSite(actor.audience, current) : null }, committed: [] };
      }
      const at = new Date(this.#now()).toISOString();
      const planned = await this.#plan(actor, crisisId, command, at);
      if ('ok' in planned) return { ack: planned, committed: [] };

      const json = JSON.stringify(planned.after);
      if (planned.before) await this.#repos.sites.update(planned.after, json);
      else await this.#repos.sites.insert(planned.after, json);
      const seq = await this.#repos.changeLog.appendSiteChange(command.type, planned.after, actor.userId, at, json);
      await this.#repos.audit.append({
        at,
        userId: actor.userId,
        role: actor.audience.role,
        action: command.type,
        recordType: 'site',
        recordId: planned.after.id,
        outcome: 'ok',
      });
      await this.#repos.idempotency.insert(command.commandId, actor.userId, seq, seq, at);
      return {
        ack: { ok: true, seq, group: null, site: projectSite(actor.audience, planned.after) },
        committed: [{ entity: 'site', seq, crisisId, site: planned.after }],
      };
    });
  }

  async #plan(actor: Actor, crisisId: string, command: SiteCommand, at: string): Promise<{ before: Site | null; after: Site } | SiteFailure> {
    switch (command.type) {
      case 'site.create':
        return this.#planCreate(actor, crisisId, command.site, at);
      case 'site.update':
        return this.#planEdit(actor, crisisId, command.siteId, command.baseVersion, at, (current) => this.#applyPatch(actor, current, command.patch, at));
      case 'site.report':
        return this.#planEdit(actor, crisisId, command.siteId, null, at, (current) => {
          const decision = decideReport(current, command.report, this.#now());
          if (!decision.apply) {
            // A stale observation is not an error of the sender's, but it must not win: the team
            // sees that a newer one is on record, and what it says.
            if (decision.reason === 'stale')
              return this.#conflict(actor, current, `a newer report of this site is on record (observed ${current.occupancyReportedAt})`);
            return failure('invalid', 'the report is dated in the future; check the phone clock');
          }
          return { ...current, status: command.report.status, occupancy: command.report.occupancy, occupancyReportedAt: command.report.observedAt };
        });
      default: {
        const unhandled: never = command;
        throw new Error(`unhandled site command (${typeof unhandled})`);
      }
    }
  }

  async #planCreate(actor: Actor, crisisId: string, input: SiteInputParsed, at: string): Promise<{ before: null; after: Site } | SiteFailure> {
    const existing = await this.#repos.sites.findById(input.id);
    if (existing) {
      // Another crisis's site answers as if the id were merely taken.
      return existing.crisisId === crisisId
        ? this.#conflict(actor, existing, 'a site with this id already exists')
        : failure('invalid', 'this site id is taken');
    }
    const agency = await this.#checkAgency(input.operatingAgencyId);
    if (agency) return agency;
    const site: Site = {
      id: input.id,
      crisisId,
      type: input.type,
      name: input.name,
      location: input.location,
      operatingAgencyId: input.operatingAgencyId,
      capacity: input.capacity,
      status: input.status,
      services: input.services,
      // Reuses the groups' assignment: the same boundaries, computed in the write's transaction.
      admin: await this.#areas.locate(crisisId, input.location.lat, input.location.lon),
      occupancy: input.occupancy,
      // No group is linked to a site before it exists.
      linked: { groups: 0, people: 0 },
      occupancyReportedAt: input.occupancy === null ? null : at,
      // Registering a site is its first verification.
      lastVerifiedAt: at,
      lastVerifiedBy: actor.userId,
      demo: false,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    return { before: null, after: site };
  }

  async #applyPatch(actor: Actor, current: Site, patch: SitePatch, at: string): Promise<Site | SiteFailure> {
    const { verified, ...fields } = patch;
    if (fields.operatingAgencyId !== undefined) {
      const agency = await this.#checkAgency(fields.operatingAgencyId);
      if (agency) return agency;
    }
    const next: Site = { ...current, ...fields };
    // A coordinator's figure or status is an observation made now: a field report observed
    // earlier, arriving later, must not overwrite it.
    const observed =
      (fields.occupancy !== undefined && fields.occupancy !== current.occupancy) || (fields.status !== undefined && fields.status !== current.status);
    if (observed) next.occupancyReportedAt = at;
    if (verified) {
      next.lastVerifiedAt = at;
      next.lastVerifiedBy = actor.userId;
      // Whoever checks the site also gets its recorded groups counted afresh from the index: the
      // tally kept with each group change equals that count, and should it ever have drifted
      // (a write path that forgot it), checking the site sets it right.
      next.linked = await this.#repos.groups.linkedAtSite(current.id);
    }
    return next;
  }

  /** Shared steps of every edit: scope, version check, the edit itself, admin areas, re-validation, version bump. */
  async #planEdit(
    actor: Actor,
    crisisId: string,
    siteId: string,
    baseVersion: number | null,
    at: string,
    edit: (current: Site) => Site | SiteFailure | Promise<Site | SiteFailure>,
  ): Promise<{ before: Site; after: Site } | SiteFailure> {
    const current = await this.#repos.sites.findById(siteId);
    if (!current || current.crisisId !== crisisId) return notFound();
    if (baseVersion !== null && current.version !== baseVersion) {
      return this.#conflict(actor, current, `the site changed since version ${baseVersion}; it is now at ${current.version}`);
    }
    const edited = await edit(current);
    if ('ok' in edited) return edited;
    const moved = edited.location.lat !== current.location.lat || edited.location.lon !== current.location.lon;
    const admin = moved ? await this.#areas.locate(crisisId, edited.location.lat, edited.location.lon) : edited.admin;
    const candidate = Site.safeParse({ ...edited, admin, version: current.version + 1, updatedAt: at });
    if (!candidate.success) return failure('invalid', 'the edited site is not valid', toIssues(candidate.error));
    return { before: current, after: candidate.data };
  }

  /** A named operating agency must exist (any agency may run a site); null when it does. */
  async #checkAgency(agencyId: string | null): Promise<SiteFailure | null> {
    if (agencyId === null) return null;
    return (await this.#repos.agencies.findById(agencyId)) ? null : failure('invalid', 'no such operating agency');
  }

  #conflict(actor: Actor, current: Site, message: string): SiteFailure {
    const view = projectSite(actor.audience, current);
    return view ? { ...failure('conflict', message), currentSite: view } : failure('conflict', message);
  }
}
