import type { Repositories } from '../repositories/repositories';
import { eachChange, eachGroup } from '../repositories/contract';
import type { AuditAction, AuditEntry } from '../repositories/audit.repository';
import { counterHistoryFold } from '../../shared/counters';
import { can } from '../../shared/permissions';
import type { Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import type { Group } from '../../shared/schemas/group.schema';
import type { AgencyList, CounterHistory, FieldTeamList, Timeline, TimelineEntry } from '../../shared/schemas/coordination.schema';
import { threeWCsv } from '../../shared/exports/threew-csv';
import { assignmentDatesFold, threeWFold } from '../../shared/threew';
import { foldEach } from './page-fold';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Top-level fields whose change the timeline names (never their values). */
const TRACKED: readonly (keyof Group)[] = [
  'status',
  'location',
  'seenAt',
  'headcount',
  'nationalities',
  'vulnerabilities',
  'documents',
  'intention',
  'consentConsulate',
  'protectionConcern',
  'notes',
  'needs',
  'assignments',
  'mergedInto',
  'followUpBy',
];

function changedFields(before: Group | null, after: Group): string[] {
  if (!before) return [];
  return TRACKED.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** The coordination workspace's reads: agencies, a group's timeline, the counters' history, 3W. */
export class CoordinationService {
  readonly #repos: Repositories;
  readonly #now: () => number;

  constructor(repos: Repositories, now: () => number = Date.now) {
    this.#repos = repos;
    this.#now = now;
  }

  /**
   * Agencies a need can be handed to, consulates included: the assignment plan lets a consulate
   * take only consular needs of groups it may see in full (the form offers it only those).
   */
  async agencies(audience: Audience): Promise<AgencyList | Failure> {
    if (!can(audience.role, 'assignment.update')) return failure('forbidden', 'your role does not assign work');
    return { ok: true, agencies: await this.#repos.agencies.list() };
  }

  /** Enabled field users of the coordinator's crisis, by name: whom a follow-up may be asked of. */
  async fieldTeams(audience: Audience): Promise<FieldTeamList | Failure> {
    if (!can(audience.role, 'group.requestFollowUp')) return failure('forbidden', 'your role does not ask for follow-ups');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const teams = (await this.#repos.users.listFieldTeams(audience.crisisId)).map((u) => ({ id: u.id, displayName: u.displayName }));
    return { ok: true, teams };
  }

  /** Every change of a group in the coordinator's crisis: who, when, what moved. */
  async timeline(audience: Audience, groupId: string): Promise<Timeline | Failure> {
    if (!can(audience.role, 'group.timeline')) return failure('forbidden', 'your role does not read timelines');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const records = await this.#repos.changeLog.listForEntity(audience.crisisId, groupId);
    // An erased group's only trace is its tombstone: it is not found, like one never reported.
    if (records.length === 0 || records.some((r) => r.kind === 'group.erase')) return failure('not_found', 'no such group in your crisis');
    const names = new Map<string, TimelineEntry['actor']>();
    const actorOf = async (id: string | null): Promise<TimelineEntry['actor']> => {
      if (id === null) return null;
      if (!names.has(id)) {
        const user = await this.#repos.users.findById(id);
        names.set(id, user ? { id, name: user.displayName, role: user.role } : null);
      }
      return names.get(id) ?? null;
    };
    let before: Group | null = null;
    const entries: TimelineEntry[] = [];
    for (const r of records) {
      const entry: TimelineEntry = {
        seq: r.seq,
        at: r.at,
        kind: r.kind,
        actor: await actorOf(r.actor),
        version: r.group.version,
        status: r.group.status,
        changed: changedFields(before, r.group),
      };
      before = r.group;
      entries.push(entry);
    }
    await this.#audit(audience, 'group.timeline', groupId);
    return { ok: true, entries };
  }

  /** People counters over the crisis (crisis-wide, not filtered), replayed from the change log. */
  async history(audience: Audience): Promise<CounterHistory | Failure> {
    if (!can(audience.role, 'group.timeline')) return failure('forbidden', 'your role does not read the history');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const times = await this.#repos.changeLog.timeSpan(audience.crisisId, null);
    const span = times ? Date.parse(times.last) - Date.parse(times.first) : 0;
    // About 48 points over the crisis so far: minutes in its first hour, hours in its first days.
    const bucket = Math.min(DAY_MS, Math.max(MINUTE_MS, Math.ceil(span / 48 / MINUTE_MS) * MINUTE_MS));
    return { ok: true, points: await foldEach(counterHistoryFold(bucket), eachChange(this.#repos, audience.crisisId)) };
  }

  /** 3W/4W as CSV with HXL hashtags; every export is audited (protection rule 5). */
  async threeWCsv(audience: Audience): Promise<{ ok: true; csv: string } | Failure> {
    if (!can(audience.role, 'export.3w')) return failure('forbidden', 'your role does not export');
    if (audience.crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    const crisis = await this.#repos.crises.findById(audience.crisisId);
    if (!crisis) return failure('forbidden', 'you are not assigned to a crisis');
    // When each assignment was made and completed is only in the change log (assignments keep no dates of their own).
    const dates = await foldEach(assignmentDatesFold(), eachChange(this.#repos, audience.crisisId));
    const fold = threeWFold(await this.#repos.agencies.list(), { hostCountry: crisis.hostCountry, dates }, this.#now());
    const rows = await foldEach(fold, eachGroup(this.#repos, audience.crisisId));
    await this.#audit(audience, 'export.3w', null);
    return { ok: true, csv: threeWCsv(rows) };
  }

  async #audit(a: Audience, action: AuditAction, groupId: string | null): Promise<void> {
    const entry: AuditEntry = {
      at: new Date(this.#now()).toISOString(),
      userId: a.userId,
      role: a.role,
      action,
      recordType: groupId ? 'group' : null,
      recordId: groupId,
      outcome: 'ok',
    };
    await this.#repos.audit.append(entry);
  }
}
