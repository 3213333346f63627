import type { Repositories } from '../repositories/repositories';
import type { AuditAction, AuditEntry, AuditRow } from '../repositories/audit.repository';
import type { EmbassyAggregates } from '../../shared/aggregate';
import type { ConsularSnapshots } from './consular-snapshots';
import { aggregatesToCsv } from '../../shared/aggregate-csv';
import { can } from '../../shared/permissions';
import { projectGroup, type Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import type { AuditQuery } from '../../shared/schemas/admin.schema';
import type { GroupView } from '../../shared/schemas/group.schema';

const notFound = () => failure('not_found', 'no such group in your view');

/**
 * Reads that are audited (protection rule 5): one group's details, an embassy's aggregates, and
 * the audit log itself. Every answer goes through the same projection as the live channels.
 */
export class ReadService {
  readonly #repos: Repositories;
  readonly #snapshots: ConsularSnapshots;
  readonly #now: () => number;

  constructor(repos: Repositories, snapshots: ConsularSnapshots, now: () => number = Date.now) {
    this.#repos = repos;
    this.#snapshots = snapshots;
    this.#now = now;
  }

  /**
   * A group's details as this audience may see them. Absent, in another crisis, or hidden from
   * this audience all answer the same not_found; every attempt is audited, with its outcome.
   */
  async readGroup(audience: Audience, groupId: string): Promise<{ ok: true; group: GroupView; purgedAt?: string } | Failure> {
    if (!can(audience.role, 'group.read')) return failure('forbidden', 'your role does not read groups');
    const group = await this.#repos.groups.findById(groupId);
    const view = group ? projectGroup(audience, group) : null;
    await this.#audit(audience, 'group.read', 'group', groupId, view ? 'ok' : 'refused');
    if (!group || !view) return notFound();
    // Details purged by retention show as such, with the date, where they would be (issue 21): only
    // while the current version is the purged one (a later edit brought new details).
    const purged = await this.#repos.retention.findPurged(group.id);
    return purged && purged.version === group.version ? { ok: true, group: view, purgedAt: purged.purgedAt } : { ok: true, group: view };
  }

  /**
   * An embassy's aggregate counts of its nationals in its crisis (groups it cannot see in full):
   * the current refresh period's, the same as the consular view's (protection rule 10).
   */
  aggregates(audience: Audience): Promise<{ ok: true; aggregates: EmbassyAggregates } | Failure> {
    return this.#aggregates(audience, 'aggregate.read');
  }

  /** The same counts as CSV with HXL hashtags, audited as an export (protection rules 5 and 7). */
  async aggregatesCsv(audience: Audience): Promise<{ ok: true; csv: string } | Failure> {
    const result = await this.#aggregates(audience, 'export.aggregates');
    return result.ok ? { ok: true, csv: aggregatesToCsv(result.aggregates) } : result;
  }

  async #aggregates(audience: Audience, action: 'aggregate.read' | 'export.aggregates'): Promise<{ ok: true; aggregates: EmbassyAggregates } | Failure> {
    if (!can(audience.role, 'aggregate.read')) return failure('forbidden', 'your role does not read aggregates');
    if (audience.crisisId === null || audience.servesState === null) return failure('forbidden', 'you serve no state in a crisis');
    const { aggregates } = await this.#snapshots.current(audience.crisisId, audience.servesState);
    await this.#audit(audience, action, null, null, 'ok');
    return { ok: true, aggregates };
  }

  /**
   * The audit log, filtered. Admins see everything; a coordinator sees what the users of their
   * crisis did (embassy reads included), never sign-in attempts of unknown usernames.
   */
  async audit(audience: Audience, query: AuditQuery): Promise<{ ok: true; entries: AuditRow[]; total: number } | Failure> {
    if (!can(audience.role, 'audit.read')) return failure('forbidden', 'your role does not read the audit log');
    if (audience.role !== 'admin' && audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const crisisId = audience.role === 'admin' ? undefined : (audience.crisisId ?? undefined);
    // One snapshot, so the page and the total agree.
    const { entries, total } = await this.#repos.readTransaction(async () => {
      const { before: _before, limit: _limit, ...filters } = { ...query, crisisId };
      return { entries: await this.#repos.audit.query({ ...query, crisisId }), total: await this.#repos.audit.count(filters) };
    });
    await this.#audit(audience, 'audit.read', null, null, 'ok');
    return { ok: true, entries, total };
  }

  async #audit(a: Audience, action: AuditAction, recordType: AuditEntry['recordType'], recordId: string | null, outcome: AuditEntry['outcome']): Promise<void> {
    await this.#repos.audit.append({ at: new Date(this.#now()).toISOString(), userId: a.userId, role: a.role, action, recordType, recordId, outcome });
  }
}
