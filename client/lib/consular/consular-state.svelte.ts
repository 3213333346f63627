import { CONSULAR_ROUTES, ConsularSummary, EvacuationList } from '../../../shared/consular';
import { request } from '../api/api';

/**
 * What the embassy's consular panel shows: the overview with its areas and history, and the
 * evacuation list, as the server computed them for this embassy (nothing is filtered here). Each
 * read is audited on the server, so the view reads again only when told the counts changed.
 */
export class ConsularState {
  summary = $state.raw<ConsularSummary | null>(null);
  evacuation = $state.raw<EvacuationList | null>(null);
  failed = $state(false);
  /** Bumped by every load: a late answer to an older load is dropped. */
  #token = 0;

  /** Reads the summary and the evacuation list together. */
  async load(): Promise<void> {
    const token = ++this.#token;
    const [summary, evacuation] = await Promise.all([request(ConsularSummary, CONSULAR_ROUTES.summary), request(EvacuationList, CONSULAR_ROUTES.evacuation)]);
    if (token !== this.#token) return;
    this.failed = !summary.ok || !evacuation.ok;
    if (summary.ok) this.summary = summary.value;
    if (evacuation.ok) this.evacuation = evacuation.value;
  }
}
