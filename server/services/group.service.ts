import { z } from 'zod';
import type { Repositories } from '../repositories/repositories';
import type { AuditAction } from '../repositories/audit.repository';
import type { CommandAck } from '../../shared/events';
import { mayEditGroup } from '../../shared/edit-scope';
import { canTransition, statusFollowingWork } from '../../shared/group-status';
import { can } from '../../shared/permissions';
import { projectGroup, type Audience } from '../../shared/projection';
import { failure, toIssues, type Failure } from '../../shared/protocol';
import type { Command } from '../../shared/schemas/command.schema';
import { Group, type GroupInput, type GroupPatch, type GroupView } from '../../shared/schemas/group.schema';
import type { Need, NeedInput } from '../../shared/schemas/need.schema';
import { isActiveAssignment } from '../../shared/assignment-workflow';
import { planCreateAssignment, planUpdateAssignment, type AssignmentEdit } from './assignment-plan';
import { AdminAreaIndexes } from './admin-area-indexes';
import { MovementService } from './movement.service';
import { SiteLinks } from './site-links';
import type { PublishedChange } from './command.service';
import type { MovementView } from '../../shared/schemas/movement.schema';

/** Who is sending a command. */
export interface Actor {
  userId: string;
  audience: Audience;
}

/** A change that committed: what the group was before (null when new) and after. */
export interface CommittedChange {
  seq: number;
  crisisId: string;
  before: Group | null;
  after: Group;
  /** The change is an erasure's tombstone: every audience of the crisis gets a removal (issue 21). */
  erased?: boolean;
}

/** What a command produced: the ack to send, and the changes to publish (none when nothing changed; two for a merge). */
export interface CommandOutcome {
  ack: CommandAck;
  /** Group changes, and the movement changes they or a movement command made (issue 20). */
  committed: PublishedChange[];
}

type CommandFailure = Failure & { current?: GroupView; movement?: MovementView };

/** A rule-checked next state, not yet written. The first change is the commanded group (the ack's). */
interface Planned {
  changes: { before: Group | null; after: Group; audits: AuditAction[] }[];
}
type EditResult = { group: Group; audits: AuditAction[] } | CommandFailure;

/** The stored form of a successful ack, parsed back when a command id repeats. */
const StoredAck = z.object({ ok: z.literal(true), seq: z.number().int().min(1), group: Group });

/** Raised when a rule the code relies on does not hold; the handler turns it into `internal`. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

const notFound = (): CommandFailure => failure('not_found', 'no such group in your crisis');

/** Group commands: report, edit, change status, merge, assignments, follow-up requests. Owns the rules and the transaction of each. */
export class GroupService {
  readonly #repos: Repositories;
  readonly #now: () => number;
  readonly #areas: AdminAreaIndexes;
  readonly #movements: MovementService;
  readonly #links: SiteLinks;

  constructor(repos: Repositories, now: () => number = Date.now, areas: AdminAreaIndexes = new AdminAreaIndexes(repos)) {
    this.#repos = repos;
    this.#now = now;
    this.#areas = areas;
    this.#movements = new MovementService(repos, now);
    this.#links = new SiteLinks(repos);
  }

  /**
   * Applies a parsed command for an actor in one transaction together with its change-log row,
   * audit rows and idempotency record. A repeated command id returns the first result unchanged.
   * `command` must be the `Command` schema's output (a report's group is not validated again);
   * an edit's resulting group is, since the rules combine it with the stored one.
   */
  async execute(actor: Actor, command: Command): Promise<CommandOutcome> {
    if (!can(actor.audience.role, command.type)) {
      return { ack: failure('forbidden', `your role may not ${command.type}`), committed: [] };
    }
    const crisisId = actor.audience.crisisId;
    if (crisisId === null) return { ack: failure('forbidden', 'you are not assigned to a crisis'), committed: [] };

    return this.#repos.transaction(async (): Promise<CommandOutcome> => {
      const prior = await this.#repos.idempotency.find(command.commandId);
      if (prior) {
        // Another user's command id is not theirs to read back.
        if (prior.userId !== actor.userId) {
          return { ack: failure('invalid', 'this command id was already used'), committed: [] };
        }
        // Answered as the group stands now, projected for the caller as it is now (protection
        // rule 8): never the state the first answer carried, which the caller may no longer see.
        const stored = StoredAck.safeParse(prior.result);
        // An erased group's logged states are deleted (or its old ack blanked): the command did
        // apply, but nothing of what it wrote is left to answer with (issue 21).
        if (!stored.success) return { ack: failure('not_found', 'this command was applied, but its group has since been erased'), committed: [] };
        const current = await this.#repos.groups.findById(stored.data.group.id);
        return { ack: { ok: true, seq: stored.data.seq, group: current ? projectGroup(actor.audience, current) : null }, committed: [] };
      }
      const at = new Date(this.#now()).toISOString();
      const planned = await this.#plan(actor, crisisId, command, at);
      if ('ok' in planned) return { ack: planned, committed: [] };

      const committed: CommittedChange[] = [];
      const refreshed: PublishedChange[] = [];
      for (const change of planned.changes) {
        // Serialized once for the group row and its change-log row.
        const json = JSON.stringify(change.after);
        if (change.before) await this.#repos.groups.update(change.after, json);
        else await this.#repos.groups.insert(change.after, json);
        const seq = await this.#repos.changeLog.appendGroupChange(command.type, change.after, actor.userId, at, json);
        for (const action of change.audits) {
          await this.#repos.audit.append({
            at,
            userId: actor.userId,
            role: actor.audience.role,
            action,
            recordType: 'group',
            recordId: change.after.id,
            outcome: 'ok',
          });
        }
        committed.push({ seq, crisisId, before: change.before, after: change.after });
        // The manifests that list this group follow it in the same commit (a flag set reaches the consulate's view now).
        if (change.before) refreshed.push(...(await this.#movements.refreshFor(change.after, actor.userId, at)));
      }
      // The sites the groups joined or left count them in the same commit (issue 20).
      refreshed.push(...(await this.#links.follow(planned.changes, command.type, actor.userId, at)));
      const first = committed[0];
      const last = committed.at(-1);
      if (!first || !last) throw new InvariantError('a command planned no change');
      this.#assertVisibleToWriter(actor, first.before, first.after);
      // The ack carries the state logged at the first change: the idempotency record points there.
      const ack = { ok: true as const, seq: last.seq, group: projectGroup(actor.audience, first.after) };
      await this.#repos.idempotency.insert(command.commandId, actor.userId, first.seq, last.seq, at);
      return { ack, committed: [...committed, ...refreshed] };
    });
  }

  async #plan(actor: Actor, crisisId: string, command: Command, at: string): Promise<Planned | CommandFailure> {
    switch (command.type) {
      case 'group.report':
        return this.#planReport(actor, crisisId, command.group, at);
      case 'group.update':
        return this.#planEdit(actor, crisisId, command.groupId, command.baseVersion, (current) => this.#applyPatch(current, command.patch));
      case 'group.setStatus':
        return this.#planEdit(actor, crisisId, command.groupId, command.baseVersion, (current) => {
          if (command.status === 'duplicate') return failure('invalid', 'a group becomes a duplicate only by a merge');
          if (!canTransition(current.status, command.status)) {
            return failure('invalid', `a group cannot move from ${current.status} to ${command.status}`);
          }
          return { group: { ...current, status: command.status }, audits: ['group.setStatus'] };
        });
      case 'assignment.create':
        return this.#planEdit(actor, crisisId, command.groupId, command.baseVersion, async (current) => {
          // A consulate takes only consular needs of groups it may see in full: the plan decides.
          const edit = planCreateAssignment(current, command, await this.#repos.agencies.findById(command.assignment.agencyId), actor.userId, at);
          return this.#assignmentResult(actor, current, edit, 'assignment.create');
        });
      case 'assignment.update':
        // The assignment's own version is checked in the plan; the group's may have moved on.
        return this.#planEdit(actor, crisisId, command.groupId, null, (current) =>
          this.#assignmentResult(actor, current, planUpdateAssignment(current, command, actor.audience, at), 'assignment.update'),
        );
      case 'group.merge':
        return this.#planMerge(actor, crisisId, command);
      case 'group.requestFollowUp':
        return this.#planEdit(actor, crisisId, command.groupId, command.baseVersion, async (current) => {
          const user = await this.#repos.users.findById(command.userId);
          // One answer for a missing, disabled, non-field or other-crisis user: the picker lists the valid ones.
          if (!user || user.disabled || user.role !== 'field' || user.crisisId !== crisisId) {
            return failure('invalid', 'follow-ups are asked of enabled field users of your crisis');
          }
          // Asked twice: one entry, but a new version all the same, so the change is in the history.
          const followUpBy = current.followUpBy.includes(user.id) ? current.followUpBy : [...current.followUpBy, user.id];
          return { group: { ...current, followUpBy }, audits: ['group.follow_up_request'] };
        });
      case 'site.create':
      case 'site.update':
      case 'site.report':
      case 'movement.create':
      case 'movement.update':
      case 'movement.addGroup':
      case 'movement.removeGroup':
      case 'movement.setLegStatus':
      case 'movement.checkIn':
      case 'movement.confirmDocuments':
        // CommandService sends these to SiteService and MovementService; one reaching here is a wiring mistake.
        throw new InvariantError(`${command.type} is applied by another service than GroupService`);
      default: {
        const unhandled: never = command;
        // Never the payload in the message: it may hold personal values and messages are logged.
        throw new InvariantError(`unhandled command kind (${typeof unhandled})`);
      }
    }
  }

  /**
   * A new group from a report whose `GroupInput` the command's parse has already checked (the
   * socket handler and the import both parse with it): the group is built from that data, not
   * validated a second time. What the server adds (crisis, ids, times, version, status, empty
   * assignments and follow-ups) is valid by construction, and the cross-field rules
   * (`checkGroupConsistency`) read only fields the input schema already checked with the same rules.
   */
  async #planReport(actor: Actor, crisisId: string, input: GroupInput, at: string): Promise<Planned | CommandFailure> {
    const existing = await this.#repos.groups.findById(input.id);
    if (existing) return this.#conflict(actor, existing, 'a group with this id already exists');
    // Key order as Group.parse would give it, so the stored JSON reads the same as before.
    const group: Group = {
      ...input,
      needs: input.needs.map((n): Need => ({ ...n, status: 'open' })),
      crisisId,
      status: 'reported',
      version: 1,
      reportedBy: actor.userId,
      reportedAt: at,
      updatedAt: at,
      mergedInto: null,
      assignments: [],
      followUpBy: [],
      // Computed here, in the write's transaction, so it agrees with the boundaries as committed.
      admin: await this.#areas.locate(crisisId, input.location.lat, input.location.lon),
    };
    const unknownSite = await this.#links.check(null, group);
    if (unknownSite) return unknownSite;
    return { changes: [{ before: null, after: group, audits: ['group.report'] }] };
  }

  #assignmentResult(actor: Actor, current: Group, edit: AssignmentEdit, action: AuditAction): EditResult {
    if ('group' in edit) return { group: edit.group, audits: [action] };
    if (edit.conflict) return this.#conflict(actor, current, edit.message);
    return failure(edit.code, edit.message, edit.issues);
  }

  /**
   * A merge: the duplicate becomes `duplicate` pointing at the kept group, whose counts stay as they
   * are (the same people were reported twice; adding them up would count them twice). The kept
   * group gets a new version too, so the merge is in its history and a stale edit of it conflicts.
   */
  async #planMerge(actor: Actor, crisisId: string, command: Extract<Command, { type: 'group.merge' }>): Promise<Planned | CommandFailure> {
    if (command.groupId === command.intoGroupId) return failure('invalid', 'a group cannot be merged into itself');
    const into = await this.#repos.groups.findById(command.intoGroupId);
    if (!into || into.crisisId !== crisisId) return notFound();
    const duplicate = await this.#planEdit(actor, crisisId, command.groupId, command.baseVersion, (current) => {
      if (!canTransition(current.status, 'duplicate')) return failure('invalid', `a ${current.status} group cannot be merged`);
      if (current.assignments.some((a) => isActiveAssignment(a.status))) {
        return failure('invalid', 'the duplicate has open assignments; cancel them first');
      }
      return { group: { ...current, status: 'duplicate', mergedInto: into.id }, audits: ['group.merge'] };
    });
    if ('ok' in duplicate) return duplicate;
    const kept = await this.#planEdit(actor, crisisId, into.id, command.intoBaseVersion, (current) => ({ group: current, audits: ['group.merge'] }));
    if ('ok' in kept) return kept;
    return { changes: [...duplicate.changes, ...kept.changes] };
  }

  /** Shared steps of every edit: scope, version check, the edit's own rule, re-validation, version bump. */
  async #planEdit(
    actor: Actor,
    crisisId: string,
    groupId: string,
    baseVersion: number | null,
    edit: (current: Group) => EditResult | Promise<EditResult>,
  ): Promise<Planned | CommandFailure> {
    const current = await this.#repos.groups.findById(groupId);
    // Another crisis's group answers exactly like a missing one.
    if (!current || current.crisisId !== crisisId) return notFound();
    // A responder or a field user learns nothing of a group it does not see in full (not even
    // that it exists): a field phone holds another team's group only as a point, or not at all.
    // An embassy acts on its nationals' part (its consulate's assignments; its role allows no more).
    const view = projectGroup(actor.audience, current);
    if (view === null || view.view === 'reduced') return notFound();
    // A field user edits only groups they reported or were asked to follow up: today exactly the
    // ones it sees in full (protection rule 11), so this holds the edit rule should the view widen.
    // (Responders move only assignments, which the assignment plan scopes to their agency.)
    if (actor.audience.role === 'field' && !mayEditGroup(actor.audience, current)) {
      return failure('forbidden', 'you may edit groups you reported or were asked to follow up');
    }
    if (baseVersion !== null && current.version !== baseVersion) {
      return this.#conflict(actor, current, `the group changed since version ${baseVersion}; it is now at ${current.version}`);
    }
    if (current.status === 'duplicate') return failure('invalid', 'this group was merged into another and is final');
    const edited = await edit(current);
    if ('ok' in edited) return edited;
    // Only a moved point changes its admin areas (the boundaries' own changes are recomputed apart).
    const moved = edited.group.location.lat !== current.location.lat || edited.group.location.lon !== current.location.lon;
    const admin = moved ? await this.#areas.locate(crisisId, edited.group.location.lat, edited.group.location.lon) : edited.group.admin;
    const candidate = Group.safeParse({
      ...edited.group,
      admin,
      version: current.version + 1,
      updatedAt: new Date(this.#now()).toISOString(),
    });
    if (!candidate.success) return failure('invalid', 'the edited group is not valid', toIssues(candidate.error));
    const unknownSite = await this.#links.check(current, candidate.data);
    if (unknownSite) return unknownSite;
    return { changes: [{ before: current, after: candidate.data, audits: edited.audits }] };
  }

  #applyPatch(current: Group, patch: GroupPatch): { group: Group; audits: AuditAction[] } {
    const { needs, ...fields } = patch;
    const edited: Group = { ...current, ...fields, needs: needs ? mergeNeeds(current.needs, needs) : current.needs };
    // Removing the last need still wanted closes the group's work as completing it would.
    const group: Group = { ...edited, status: statusFollowingWork(current, edited, false) };
    const audits: AuditAction[] = ['group.update'];
    // Protection rule 5: consent and flag changes are audited on their own.
    if (group.consentConsulate !== current.consentConsulate) audits.push('group.consent_change');
    if (group.protectionConcern !== current.protectionConcern) audits.push('group.protection_flag_change');
    return { group, audits };
  }

  #conflict(actor: Actor, current: Group, message: string): CommandFailure {
    const view = projectGroup(actor.audience, current);
    return view ? { ...failure('conflict', message), current: view } : failure('conflict', message);
  }

  /**
   * Only writers who see the group (in full, or an embassy its nationals' part) may write it. A
   * responder who completes its agency's last open work no longer sees the group afterwards, but
   * saw it a moment before; its ack carries the group as projected for it now (a point).
   */
  #assertVisibleToWriter(actor: Actor, before: Group | null, after: Group): void {
    // Full, or an embassy's nationals view (its consular work): never a reduced point or nothing.
    const mayAct = (g: Group | null) => {
      const view = g ? projectGroup(actor.audience, g) : null;
      return view !== null && view.view !== 'reduced';
    };
    if (mayAct(after) || mayAct(before)) return;
    throw new InvariantError(`role ${actor.audience.role} wrote a group it cannot see in full`);
  }
}

/** Keeps the workflow status of needs that stay; new needs start open. */
function mergeNeeds(current: readonly Need[], next: readonly NeedInput[]): Need[] {
  const byId = new Map(current.map((n) => [n.id, n]));
  return next.map((n) => ({ ...n, status: byId.get(n.id)?.status ?? 'open' }));
}
