import { CONSULAR_ROUTES, ConsularHistory, ConsularSummary, EvacuationList } from '../../../shared/consular';
import { request } from '../api/api';

/** The chart replays the whole change log on the server: read it again at most this often. */
const HISTORY_EVERY_MS = 60_000;

/**
 * What the embassy's consular panel shows: the overview with its areas, the chart's history and
 * the evacuation list, as the server computed them for this embassy (nothing is filtered here).
 * Each read is audited on the server, so the view reads again only when told the counts changed.
 */
export class ConsularState {
  summary = $state.raw<ConsularSummary | null>(null);
  history = $state.raw<ConsularHistory['points']>([]);
  evacuation = $state.raw<EvacuationList | null>(null);
  failed = $state(false);
  /** Bumped by every load: a late answer to an older load is dropped. */
  #token = 0;
  #historyAt = 0;

  /** Reads the summary and the evacuation list together, and the history when it is due. */
  async load(now = Date.now()): Promise<void> {
    const token = ++this.#token;
    const historyDue = now - this.#historyAt >= HISTORY_EVERY_MS;
    if (historyDue) this.#historyAt = now;
    const [summary, evacuation, history] = await Promise.all([
      request(ConsularSummary, CONSULAR_ROUTES.summary),
      request(EvacuationList, CONSULAR_ROUTES.evacuation),
      historyDue ? request(ConsularHistory, CONSULAR_ROUTES.history) : Promise.resolve(null),
    ]);
    if (token !== this.#token) return;
    this.failed = !summary.ok || !evacuation.ok || (history !== null && !history.ok);
    if (summary.ok) this.summary = summary.value;
    if (evacuation.ok) this.evacuation = evacuation.value;
    if (history?.ok) this.history = history.value.points;
    else if (history) this.#historyAt = 0;
  }
}
