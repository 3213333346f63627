import type { ApiResult } from '../api/api';
import { fetchOverview } from '../api/admin-api';
import type { AdminOverview } from '../../../shared/schemas/admin.schema';

/** A line the admin screen announces after an action. */
export interface AdminMessage {
  kind: 'ok' | 'error';
  text: string;
}

/** The admin screen's state: the overview and the outcome of the last action. */
export class AdminState {
  overview = $state<AdminOverview | null>(null);
  message = $state<AdminMessage | null>(null);
  busy = $state(false);

  /** Loads (or reloads) users, agencies and crises. */
  async load(): Promise<void> {
    const result = await fetchOverview();
    if (result.ok) this.overview = result.value;
    else this.message = { kind: 'error', text: result.message };
  }

  /**
   * Runs one action, then reloads; `done` builds the success line from its result, `failed` the
   * error line from the server's message. Returns whether it worked.
   */
  async run<T>(action: () => Promise<ApiResult<T>>, done: (value: T) => string, failed: (message: string) => string): Promise<boolean> {
    this.busy = true;
    try {
      const result = await action();
      this.message = result.ok ? { kind: 'ok', text: done(result.value) } : { kind: 'error', text: failed(result.message) };
      if (result.ok) await this.load();
      return result.ok;
    } finally {
      this.busy = false;
    }
  }
}
