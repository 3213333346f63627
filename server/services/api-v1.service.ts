import type { Repositories } from '../repositories/repositories';
import type { SeqGroup } from '../repositories/api-token.repository';
import { projectGroup, type Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import type { ApiGroup, ApiGroupsPage, ApiListQuery, ApiNeedsPage, ApiAssignmentsPage } from '../../shared/schemas/api-v1.schema';
import type { GroupView } from '../../shared/schemas/group.schema';
import { NEED_CLUSTER } from '../../shared/schemas/need.schema';

/** Groups read from the change log per round trip while filling a page. */
const BATCH = 500;
/**
 * Groups looked at per request at most: for a consulate most groups are not its to see, and one
 * request must not walk a whole national crisis. The page then ends early with a cursor.
 */
const MAX_SCANNED = 20_000;

const withSeq = (view: GroupView, seq: number): ApiGroup => ({ ...view, seq }) as ApiGroup;

/**
 * The read-only API's answers. Every group goes through `projectGroup` for the token's audience:
 * the same function as every live channel, so a token sees what its agency's users see, no more.
 * Lists are ordered by each group's latest change (seq), so one cursor serves paging and
 * incremental pulls alike.
 */
export class ApiV1Service {
  readonly #repos: Repositories;

  constructor(repos: Repositories) {
    this.#repos = repos;
  }

  /** Walks groups changed after the query's position, handing each visible one to `take`, until the page is full. */
  async #walk(audience: Audience, query: ApiListQuery, take: (entry: SeqGroup, view: GroupView) => number, onHidden?: (entry: SeqGroup) => Promise<void>) {
    const crisisId = audience.crisisId;
    const headSeq = await this.#repos.changeLog.headSeq();
    if (crisisId === null) return { nextCursor: null, headSeq };
    let after = Math.max(query.cursor ?? 0, query.since);
    let taken = 0;
    let scanned = 0;
    for (;;) {
      const batch = await this.#repos.apiTokens.latestAfter(crisisId, after, BATCH);
      for (const entry of batch) {
        after = entry.seq;
        scanned += 1;
        const view = entry.erased ? null : projectGroup(audience, entry.group);
        if (view) taken += take(entry, view);
        else await onHidden?.(entry);
        if (taken >= query.limit || scanned >= MAX_SCANNED) return { nextCursor: after, headSeq };
      }
      if (batch.length < BATCH) return { nextCursor: null, headSeq };
    }
  }

  /** Groups as the audience sees them; with `since`, also those it could see then and no longer may. */
  async groups(audience: Audience, query: ApiListQuery): Promise<ApiGroupsPage> {
    const items: ApiGroup[] = [];
    const removed: ApiGroupsPage['removed'] = [];
    const page = await this.#walk(
      audience,
      query,
      (entry, view) => {
        items.push(withSeq(view, entry.seq));
        return 1;
      },
      async (entry) => {
        // Protection rule 2 for pulls: a group the agency held at `since` and may no longer see is
        // named as removed (only its id), so its system can drop it. One it never saw stays unknown.
        if (query.since === 0) return;
        // An erased group's history is deleted: whether the agency held it cannot be told, and an
        // id it never saw named as removed changes nothing on its side (issue 21).
        if (entry.erased) return void removed.push({ id: entry.group.id, seq: entry.seq });
        const then = await this.#repos.apiTokens.stateAt(entry.group.id, query.since);
        if (then && projectGroup(audience, then)) removed.push({ id: entry.group.id, seq: entry.seq });
      },
    );
    return { ok: true, items, removed, ...page };
  }

  /** One group as the audience sees it; absent and hidden answer the same not_found. */
  async group(audience: Audience, groupId: string): Promise<{ ok: true; item: ApiGroup } | Failure> {
    const latest = await this.#repos.apiTokens.latestOf(groupId);
    const view = latest && !latest.erased ? projectGroup(audience, latest.group) : null;
    return latest && view ? { ok: true, item: withSeq(view, latest.seq) } : failure('not_found', 'no such group in your view');
  }

  /**
   * Needs of the groups the audience sees in full, or as an embassy's nationals view (without how
   * many people have each: that may count other nationals). A reduced view names need types only,
   * as in the app.
   */
  async needs(audience: Audience, query: ApiListQuery): Promise<ApiNeedsPage> {
    const items: ApiNeedsPage['items'] = [];
    const page = await this.#walk(audience, query, ({ seq }, view) => {
      if (view.view === 'reduced') return 0;
      for (const need of view.group.needs) items.push({ ...need, groupId: view.group.id, cluster: NEED_CLUSTER[need.type], seq });
      return view.group.needs.length;
    });
    return { ok: true, items, ...page };
  }

  /** Assignments inside the groups the audience sees in full; an embassy, its consulate's own. */
  async assignments(audience: Audience, query: ApiListQuery): Promise<ApiAssignmentsPage> {
    const items: ApiAssignmentsPage['items'] = [];
    const page = await this.#walk(audience, query, ({ seq }, view) => {
      if (view.view === 'reduced') return 0;
      for (const a of view.group.assignments) items.push({ ...a, seq });
      return view.group.assignments.length;
    });
    return { ok: true, items, ...page };
  }
}
