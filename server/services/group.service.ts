import { z } from 'zod';
import type { Repositories } from '../repositories/repositories';
import type { AuditAction } from '../repositories/audit.repository';
import type { CommandAck } from '../../shared/events';
import { canTransition } from '../../shared/group-status';
import { can } from '../../shared/permissions';
import { projectGroup, type Audience } from '../../shared/projection';
import { failure, toIssues, type Failure } from '../../shared/protocol';
import type { Command } from '../../shared/schemas/command.schema';
import { Group, type GroupInput, type GroupPatch, type GroupView } from '../../shared/schemas/group.schema';
import type { Need, NeedInput } from '../../shared/schemas/need.schema';

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
}

/** What a command produced: the ack to send, and the change to publish (null when nothing changed). */
export interface CommandOutcome {
  ack: CommandAck;
  committed: CommittedChange | null;
}

type CommandFailure = Failure & { current?: GroupView };

/** A rule-checked next state, not yet written. */
interface Planned {
  before: Group | null;
  after: Group;
  audits: AuditAction[];
}

/** The stored form of a successful ack, parsed back when a command id repeats. */
const StoredAck = z.object({ ok: z.literal(true), seq: z.number().int().min(1), group: Group });

/** Raised when a rule the code relies on does not hold; the handler turns it into `internal`. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

const notFound = (): CommandFailure => failure('not_found', 'no such group in your crisis');

/** Group commands: report, edit, change status. Owns the rules and the transaction of each. */
export class GroupService {
  readonly #repos: Repositories;
  readonly #now: () => number;

  constructor(repos: Repositories, now: () => number = Date.now) {
    this.#repos = repos;
    this.#now = now;
  }

  /**
   * Applies a parsed command for an actor in one transaction together with its change-log row,
   * audit rows and idempotency record. A repeated command id returns the first result unchanged.
   */
  execute(actor: Actor, command: Command): CommandOutcome {
    if (!can(actor.audience.role, command.type)) {
      return { ack: failure('forbidden', `your role may not ${command.type}`), committed: null };
    }
    const crisisId = actor.audience.crisisId;
    if (crisisId === null) return { ack: failure('forbidden', 'you are not assigned to a crisis'), committed: null };

    return this.#repos.transaction((): CommandOutcome => {
      const prior = this.#repos.idempotency.find(command.commandId);
      if (prior) {
        // Another user's command id is not theirs to read back.
        if (prior.userId !== actor.userId) {
          return { ack: failure('invalid', 'this command id was already used'), committed: null };
        }
        return { ack: StoredAck.parse(prior.result), committed: null };
      }
      const at = new Date(this.#now()).toISOString();
      const planned = this.#plan(actor, crisisId, command, at);
      if ('ok' in planned) return { ack: planned, committed: null };

      if (planned.before) this.#repos.groups.update(planned.after);
      else this.#repos.groups.insert(planned.after);
      const seq = this.#repos.changeLog.appendGroupChange(command.type, planned.after, actor.userId, at);
      for (const action of planned.audits) {
        this.#repos.audit.append({
          at,
          userId: actor.userId,
          role: actor.audience.role,
          action,
          recordType: 'group',
          recordId: planned.after.id,
          outcome: 'ok',
        });
      }
      const ack = { ok: true as const, seq, group: this.#visibleToWriter(actor, planned.after) };
      this.#repos.idempotency.insert(command.commandId, actor.userId, ack, at);
      return { ack, committed: { seq, crisisId, before: planned.before, after: planned.after } };
    });
  }

  #plan(actor: Actor, crisisId: string, command: Command, at: string): Planned | CommandFailure {
    switch (command.type) {
      case 'group.report':
        return this.#planReport(actor, crisisId, command.group, at);
      case 'group.update':
        return this.#planEdit(actor, crisisId, command.groupId, command.baseVersion, (current) =>
          this.#applyPatch(current, command.patch),
        );
      case 'group.setStatus':
        return this.#planEdit(actor, crisisId, command.groupId, command.baseVersion, (current) => {
          if (command.status === 'duplicate') return failure('invalid', 'a group becomes a duplicate only by a merge');
          if (!canTransition(current.status, command.status)) {
            return failure('invalid', `a group cannot move from ${current.status} to ${command.status}`);
          }
          return { group: { ...current, status: command.status }, audits: ['group.setStatus'] };
        });
      default: {
        const unhandled: never = command;
        // Never the payload in the message: it may hold personal values and messages are logged.
        throw new InvariantError(`unhandled command kind (${typeof unhandled})`);
      }
    }
  }

  #planReport(actor: Actor, crisisId: string, input: GroupInput, at: string): Planned | CommandFailure {
    const existing = this.#repos.groups.findById(input.id);
    if (existing) return this.#conflict(actor, existing, 'a group with this id already exists');
    const candidate = Group.safeParse({
      ...input,
      crisisId,
      needs: input.needs.map((n): Need => ({ ...n, status: 'open' })),
      status: 'reported',
      version: 1,
      reportedBy: actor.userId,
      reportedAt: at,
      updatedAt: at,
      mergedInto: null,
    });
    if (!candidate.success) return failure('invalid', 'the report is not a valid group', toIssues(candidate.error));
    return { before: null, after: candidate.data, audits: ['group.report'] };
  }

  /** Shared steps of every edit: scope, version check, the edit's own rule, re-validation, version bump. */
  #planEdit(
    actor: Actor,
    crisisId: string,
    groupId: string,
    baseVersion: number,
    edit: (current: Group) => { group: Group; audits: AuditAction[] } | CommandFailure,
  ): Planned | CommandFailure {
    const current = this.#repos.groups.findById(groupId);
    // Another crisis's group answers exactly like a missing one.
    if (!current || current.crisisId !== crisisId) return notFound();
    if (current.version !== baseVersion) {
      return this.#conflict(actor, current, `the group changed since version ${baseVersion}; it is now at ${current.version}`);
    }
    if (current.status === 'duplicate') return failure('invalid', 'this group was merged into another and is final');
    const edited = edit(current);
    if ('ok' in edited) return edited;
    const candidate = Group.safeParse({
      ...edited.group,
      version: current.version + 1,
      updatedAt: new Date(this.#now()).toISOString(),
    });
    if (!candidate.success) return failure('invalid', 'the edited group is not valid', toIssues(candidate.error));
    return { before: current, after: candidate.data, audits: edited.audits };
  }

  #applyPatch(current: Group, patch: GroupPatch): { group: Group; audits: AuditAction[] } {
    const { needs, ...fields } = patch;
    const group: Group = { ...current, ...fields, needs: needs ? mergeNeeds(current.needs, needs) : current.needs };
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

  /** The ack carries the full group; only writers who see it in full may write (field, coordinator). */
  #visibleToWriter(actor: Actor, group: Group): Group {
    const view = projectGroup(actor.audience, group);
    if (view?.view !== 'full') throw new InvariantError(`role ${actor.audience.role} wrote a group it cannot see in full`);
    return view.group;
  }
}

/** Keeps the workflow status of needs that stay; new needs start open. */
function mergeNeeds(current: readonly Need[], next: readonly NeedInput[]): Need[] {
  const byId = new Map(current.map((n) => [n.id, n]));
  return next.map((n) => ({ ...n, status: byId.get(n.id)?.status ?? 'open' }));
}
