import type { CommandAck } from '../../../shared/events';

// Several tabs of one person on one device share one outbox (IndexedDB). Only one of them sends:
// the tab holding a Web Lock named after the user; when it closes, the browser hands the lock to
// the next tab. Over a BroadcastChannel a tab that queued a command tells the sender to read the
// outbox again, and the sender tells every tab the server's answer, so the tab that made the
// change shows it. Where either API is missing, each tab sends for itself: the server keeps the
// first result of every command id, so a command sent by two tabs is still stored once.

/** What the tabs tell each other. */
export type TabMessage = { kind: 'queued' } | { kind: 'answered'; commandId: string; ack: CommandAck };

export interface TabCoordinatorEvents {
  /** This tab is now the one that sends. */
  onsender: () => void;
  onmessage: (message: TabMessage) => void;
}

/** The sender election and the messages of one user's tabs. */
export class TabCoordinator {
  #channel: BroadcastChannel | null = null;
  #release: (() => void) | null = null;
  #closed = false;
  readonly #userId: string;
  readonly #events: TabCoordinatorEvents;

  constructor(userId: string, events: TabCoordinatorEvents) {
    this.#userId = userId;
    this.#events = events;
  }

  /** Starts taking part: asks for the sender lock, or sends alone where there are no locks. */
  start(): void {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks || typeof BroadcastChannel === 'undefined') {
      this.#events.onsender();
      return;
    }
    this.#channel = new BroadcastChannel(`waymark-outbox:${this.#userId}`);
    this.#channel.onmessage = (event: MessageEvent<TabMessage>) => this.#events.onmessage(event.data);
    void locks.request(`waymark-sender:${this.#userId}`, () => {
      if (this.#closed) return undefined;
      this.#events.onsender();
      // Held until this tab's sync client is destroyed (sign-out) or the tab goes away.
      return new Promise<void>((resolve) => (this.#release = resolve));
    });
  }

  post(message: TabMessage): void {
    this.#channel?.postMessage(message);
  }

  close(): void {
    this.#closed = true;
    this.#release?.();
    this.#channel?.close();
  }
}
