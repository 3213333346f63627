import type { GroupSummary } from '../../../shared/packed-views';
import type { Group, GroupView } from '../../../shared/schemas/group.schema';
import { NEED_TYPES, type NeedType } from '../../../shared/schemas/need.schema';

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

/** A need's stand-in id: its type (a group lists each type at most once), never a UUID; one string per type. */
const NEED_STAND_IN: Readonly<Record<NeedType, string>> = Object.fromEntries(NEED_TYPES.map((type) => [type, `~${type}`])) as Record<NeedType, string>;
const NO_NEED = '~';

// Stand-ins for what a summary leaves out, shared by every summary (100,000 fresh copies cost a
// quarter of a second of allocation and garbage collection at a cold start). Never shown: the
// details of a summary show only what it carries.
const NO_BAND: Group['headcount']['female'] = { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 };
const NO_DOCUMENTS: Group['documents'] = { valid: 0, lostOrDestroyed: 0, confiscated: 0, neverHad: 0, unknown: 0 };

/**
 * The summary as a full view, marked. The decoded summary is this module's own: its objects are
 * completed in place (location, headcount, needs get their missing fields) rather than copied.
 */
export function expandSummary(s: GroupSummary): GroupView {
  const location = s.location as Group['location'];
  location.accuracyM = null;
  const headcount = s.headcount as Group['headcount'];
  headcount.female = NO_BAND;
  headcount.male = NO_BAND;
  const needs = s.needs as Group['needs'];
  for (let i = 0; i < needs.length; i++) needs[i]!.id = NEED_STAND_IN[needs[i]!.type];
  const assignments: Group['assignments'] =
    s.assignments.length === 0
      ? (s.assignments as unknown as Group['assignments'])
      : s.assignments.map((a, i) => ({
          id: `~${s.id}~${i}`,
          groupId: s.id,
          needId: a.needType === null ? NO_NEED : NEED_STAND_IN[a.needType],
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
    location,
    seenAt: s.seenAt,
    headcount,
    nationalities: s.nationalities,
    vulnerabilities: s.vulnerabilities,
    documents: NO_DOCUMENTS,
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
