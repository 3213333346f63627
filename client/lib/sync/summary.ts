import type { GroupSummary } from '../../../shared/packed-views';
import type { Group, GroupView } from '../../../shared/schemas/group.schema';
import type { NeedType } from '../../../shared/schemas/need.schema';

/**
 * A big crisis's coordinator starts from summaries (shared/packed-views.ts `summarizeGroup`):
 * everything the map, lists, filters, counters and 3W read, without the ids and texts only acting
 * on one group needs. So that those readers stay as they are, a summary is held as a full view
 * whose missing fields hold stand-ins, marked `summary`; the details load the real group (audited
 * `GET /api/groups/:id`) and show no action until they have it. Any full view (a live change, a
 * catch-up, a command's answer, the loaded details) replaces the marked one.
 *
 * The stand-in ids are never UUIDs: a command carrying one would be refused `invalid` by the
 * server's schema, never applied to some other record.
 */
export type SummaryMarked = GroupView & { summary?: true };

/** Whether this view is a summary standing in for the full group. */
export function isSummary(view: GroupView): boolean {
  return (view as SummaryMarked).summary === true;
}

/** A need's stand-in id: the need's type (a group lists each type at most once), never a UUID. */
const NEED_STAND_IN = (type: NeedType) => `~${type}`;

/**
 * The summary as a full view, marked. Mutates nothing it does not own: the decoded summary's own
 * objects are reused (its needs and assignments get their stand-in ids in place).
 */
export function expandSummary(s: GroupSummary): GroupView {
  const needs = s.needs as Group['needs'];
  for (const need of needs) need.id = NEED_STAND_IN(need.type);
  const assignments = s.assignments.map((a, i): Group['assignments'][number] => ({
    id: `~${s.id}~${i}`,
    groupId: s.id,
    needId: a.needType === null ? '~' : NEED_STAND_IN(a.needType),
    agencyId: a.agencyId,
    status: a.status,
    peopleReached: a.peopleReached,
    note: '',
    expectedBy: a.expectedBy,
    createdBy: '',
    updatedAt: a.updatedAt,
    version: 0,
    ...(a.consular ? { consular: a.consular } : {}),
  }));
  const group: Group = {
    id: s.id,
    location: { ...s.location, accuracyM: null },
    seenAt: s.seenAt,
    headcount: { total: s.headcount.total, female: noBand(), male: noBand() },
    nationalities: s.nationalities,
    vulnerabilities: s.vulnerabilities,
    documents: { valid: 0, lostOrDestroyed: 0, confiscated: 0, neverHad: 0, unknown: 0 },
    intention: s.intention,
    consentConsulate: s.consentConsulate,
    protectionConcern: s.protectionConcern,
    notes: '',
    needs,
    crisisId: s.crisisId,
    status: s.status,
    version: s.version,
    reportedBy: '',
    reportedAt: s.reportedAt,
    updatedAt: s.updatedAt,
    mergedInto: s.mergedInto,
    assignments,
    followUpBy: [],
  };
  const view: SummaryMarked = { view: 'full', group, summary: true };
  return view;
}

const noBand = () => ({ under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 });
