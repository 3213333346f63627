import { v7 as uuidv7 } from 'uuid';
import type { Repositories } from '../repositories/repositories';
import type { PurgeEntry } from '../repositories/retention.repository';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import { erasureTombstone, purgeDetails, retentionCutoff, type ErasureReason, type RetentionPolicy, type RetentionPolicyInput } from '../../shared/retention';
import type { Group } from '../../shared/schemas/group.schema';
import { MovementService } from './movement.service';
import { purgeManifestEntry } from '../../shared/movements';
import { SiteLinks } from './site-links';
import type { CommittedChange } from './group.service';
import type { PublishedChange } from './command.service';

/** Groups purged per transaction: each page is one short write, so commands keep flowing between pages. */
export const RETENTION_PAGE = 200;

/** A retention request an admin made that cannot be carried out; its message is safe to show. */
export class RetentionInputError extends Error {
  override readonly name = 'RetentionInputError';
}

/** The admin who changed a policy on the admin screen, for the audit row. */
export interface RetentionActor {
  userId: string;
}

/** What one crisis's retention run did. */
export interface RetentionRun {
  crisisId: string;
  /** Details of groups last changed before this were purged; null when nothing was due. */
  cutoff: string | null;
  groups: number;
  imports: number;
}

/** A stored ack written before migration 004 holds a group; the purge coarsens or blanks it. */
const ERASED_ACK = JSON.stringify({ ok: false, erased: true });

/**
 * Retention and erasure (issue 21). A retention run purges the details of every group that is due
 * under its crisis's policy, page by page, each page one transaction: the group gets a new version
 * with its details purged (a `group.purge` change, so connected and reconnecting devices replace
 * their copies), every earlier state of it in the change log is coarsened in place, and so are the
 * idempotency records that hold a copy. Erasure does the same at once for one group and goes
 * further: its row and history are deleted and a tombstone (`group.erase`) tells every device to
 * delete its copy. Every purge is written to the purge ledger.
 */
export class RetentionService {
  readonly #repos: Repositories;
  readonly #now: () => number;
  readonly #page: number;

  constructor(repos: Repositories, now: () => number = Date.now, page = RETENTION_PAGE) {
    this.#repos = repos;
    this.#now = now;
    this.#page = page;
  }

  /**
   * Sets (or replaces) a crisis's policy; a crisis closed earlier stays closed. `by` is the admin
   * who asked on the admin screen (its audit row names them); none from the admin command.
   */
  async setPolicy(input: RetentionPolicyInput, by: RetentionActor | null = null): Promise<RetentionPolicy> {
    return this.#repos.transaction(async () => {
      if (!(await this.#repos.crises.findById(input.crisisId))) throw new RetentionInputError(`no crisis ${input.crisisId}`);
      const previous = await this.#repos.retention.findPolicy(input.crisisId);
      const policy: RetentionPolicy = { ...input, crisisClosedAt: previous?.crisisClosedAt ?? null, setAt: this.#iso() };
      await this.#repos.retention.setPolicy(policy);
      await this.#audit('retention.set_policy', input.crisisId, by);
      return policy;
    });
  }

  /** Removes a crisis's policy: it keeps everything again (what was purged stays purged). Returns whether it had one. */
  async clearPolicy(crisisId: string, by: RetentionActor | null = null): Promise<boolean> {
    return this.#repos.transaction(async () => {
      if (!(await this.#repos.crises.findById(crisisId))) throw new RetentionInputError(`no crisis ${crisisId}`);
      const cleared = await this.#repos.retention.clearPolicy(crisisId);
      if (cleared) await this.#audit('retention.clear_policy', crisisId, by);
      return cleared;
    });
  }

  /** Records that a crisis is closed now: a crisis-closed policy counts its days from here. */
  async closeCrisis(crisisId: string, by: RetentionActor | null = null): Promise<RetentionPolicy> {
    return this.#repos.transaction(async () => {
      const policy = await this.#repos.retention.findPolicy(crisisId);
      if (!policy) throw new RetentionInputError(`crisis ${crisisId} has no retention policy: set one first (set-retention)`);
      if (policy.crisisClosedAt !== null) return policy;
      const closed = { ...policy, crisisClosedAt: this.#iso() };
      await this.#repos.retention.setPolicy(closed);
      await this.#audit('retention.close_crisis', crisisId, by);
      return closed;
    });
  }

  /** Every crisis's policy. */
  policies(): Promise<RetentionPolicy[]> {
    return this.#repos.retention.listPolicies();
  }

  /** The purge ledger, oldest first. */
  ledger(): Promise<PurgeEntry[]> {
    return this.#repos.retention.listPurges();
  }

  /**
   * Purges what is due in every crisis with a policy, page by page; `publish` gets each page's
   * changes after its commit. Idempotent: a second run finds nothing due; a run cut short is
   * finished by the next.
   */
  async runDue(publish: (changes: readonly PublishedChange[]) => void = () => {}): Promise<RetentionRun[]> {
    const runs: RetentionRun[] = [];
    for (const policy of await this.#repos.retention.listPolicies()) runs.push(await this.#runCrisis(policy, publish));
    return runs;
  }

  async #runCrisis(policy: RetentionPolicy, publish: (changes: readonly PublishedChange[]) => void): Promise<RetentionRun> {
    const cutoff = retentionCutoff(policy, this.#now());
    const run: RetentionRun = { crisisId: policy.crisisId, cutoff, groups: 0, imports: 0 };
    if (cutoff === null) return run;
    // Pages go on from the last group read: a purged group keeps its old updated_at (the purge is
    // not news), so starting from the first each time would read past every group already purged.
    let after = 0;
    for (;;) {
      const committed = await this.#repos.transaction(async () => {
        const due = await this.#repos.retention.dueGroups(policy.crisisId, cutoff, after, this.#page);
        after = due.at(-1)?.key ?? after;
        const at = this.#iso();
        const purged: CommittedChange[] = [];
        for (const { group } of due) purged.push(await this.#purge(group, at));
        const changes: PublishedChange[] = [...purged];
        // The manifests that list purged groups keep only their coarsened records too, arrived
        // movements included: one new version per manifest for the whole page, made once every
        // group of the page is purged. Refreshed after each group instead, a manifest listing two
        // of them was published (and logged) with the first coarsened and the second's notes and
        // place still in it, and delivered when both were purged (protection rule 8).
        const movements = new MovementService(this.#repos, this.#now);
        changes.push(
          ...(await movements.refreshForAll(
            purged.map((c) => c.after),
            null,
            at,
            false,
          )),
        );
        // And every earlier state of those manifests the change log keeps, as the groups' own
        // history is coarsened (a group taken off a manifest is only there).
        await movements.rewriteHistory(
          policy.crisisId,
          purged.map((c) => c.after.id),
          purgeManifestEntry,
        );
        // The purge drops each group's site (an exact place): the sites stop counting them, one
        // change per site for the whole page (issue 20).
        changes.push(...(await new SiteLinks(this.#repos).follow(purged, 'group.purge', null, at)));
        const imports = due.length < this.#page ? await this.#repos.retention.purgeImports(policy.crisisId, cutoff) : 0;
        if (due.length > 0 || imports > 0) {
          await this.#repos.retention.recordPurge({
            id: uuidv7(),
            crisisId: policy.crisisId,
            kind: 'retention',
            groupId: null,
            groups: due.length,
            cutoff,
            reason: null,
            at,
          });
          await this.#audit('retention.purge', policy.crisisId);
        }
        run.imports += imports;
        return { changes, groups: due.length };
      });
      run.groups += committed.groups;
      if (committed.changes.length > 0) publish(committed.changes);
      if (committed.groups < this.#page) return run;
    }
  }

  /**
   * One group's purge inside the caller's transaction: a new coarsened version, its history and old
   * acks coarsened too. The manifests that list it are the caller's (one refresh per page).
   */
  async #purge(group: Group, at: string): Promise<CommittedChange> {
    const after: Group = { ...purgeDetails(group), version: group.version + 1 };
    const json = JSON.stringify(after);
    await this.#repos.groups.update(after, json);
    const seq = await this.#repos.changeLog.appendGroupChange('group.purge', after, null, at, json);
    for (const change of await this.#repos.changeLog.listForEntity(group.crisisId, group.id)) {
      const coarse = JSON.stringify(purgeDetails(change.group));
      if (coarse !== JSON.stringify(change.group)) await this.#repos.changeLog.rewriteGroup(change.seq, coarse);
    }
    for (const legacy of await this.#repos.idempotency.legacyResultsFor(group.id)) {
      const ack = JSON.parse(legacy.result) as { group?: Group };
      if (ack.group) await this.#repos.idempotency.rewriteLegacy(legacy.commandId, JSON.stringify({ ...ack, group: purgeDetails(ack.group) }));
    }
    await this.#repos.retention.markPurged(group.id, group.crisisId, after.version, at);
    return { seq, crisisId: group.crisisId, before: group, after };
  }

  /**
   * Erases one group on request (a coordinator of its crisis, with a reason code): its row and every
   * logged state of it are deleted, old acks that held it are blanked, and a tombstone change is
   * logged so every device, connected or reconnecting later, deletes its copy. One transaction,
   * one audit row, one ledger entry. The caller publishes `committed` after it returns.
   */
  async erase(audience: Audience, groupId: string, reason: ErasureReason): Promise<{ ok: true; seq: number; committed: PublishedChange[] } | Failure> {
    if (!can(audience.role, 'group.erase')) return failure('forbidden', 'your role may not erase groups');
    const crisisId = audience.crisisId;
    if (crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    return this.#repos.transaction(async () => {
      const group = await this.#repos.groups.findById(groupId);
      if (!group || group.crisisId !== crisisId) return failure('not_found', 'no such group in your crisis');
      const at = this.#iso();
      for (const legacy of await this.#repos.idempotency.legacyResultsFor(group.id)) await this.#repos.idempotency.rewriteLegacy(legacy.commandId, ERASED_ACK);
      await this.#repos.changeLog.deleteEntity(group.id);
      await this.#repos.groups.delete(group.id);
      await this.#repos.retention.forgetPurged(group.id);
      const tombstone = erasureTombstone(group);
      const seq = await this.#repos.changeLog.appendGroupChange('group.erase', tombstone, audience.userId, at);
      await this.#repos.audit.append({
        at,
        userId: audience.userId,
        role: audience.role,
        action: 'group.erase',
        recordType: 'group',
        recordId: group.id,
        outcome: 'ok',
        detail: JSON.stringify({ reason }),
      });
      await this.#repos.retention.recordPurge({ id: uuidv7(), crisisId, kind: 'erasure', groupId: group.id, groups: 1, cutoff: null, reason, at });
      const movementService = new MovementService(this.#repos, this.#now);
      const movements = await movementService.forget(group.id, at);
      // Nor in any earlier state of a manifest (the change log keeps them), listed or taken off.
      await movementService.rewriteHistory(crisisId, [group.id], () => null);
      // An erased group leaves its site's tally; the site's change names no group (issue 20).
      const sites = await new SiteLinks(this.#repos).follow([{ before: group, after: null }], 'group.erase', audience.userId, at);
      return { ok: true as const, seq, committed: [{ seq, crisisId, before: group, after: tombstone, erased: true }, ...movements, ...sites] };
    });
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  async #audit(
    action: 'retention.set_policy' | 'retention.clear_policy' | 'retention.close_crisis' | 'retention.purge',
    crisisId: string,
    by: RetentionActor | null = null,
  ): Promise<void> {
    await this.#repos.audit.append({
      at: this.#iso(),
      userId: by?.userId ?? null,
      role: 'admin',
      action,
      recordType: 'crisis',
      recordId: crisisId,
      outcome: 'ok',
    });
  }
}
