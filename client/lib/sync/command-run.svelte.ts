import { v7 } from 'uuid';
import type { ErrorCode } from '../../../shared/protocol';
import type { Command } from '../../../shared/schemas/command.schema';
import type { GroupView } from '../../../shared/schemas/group.schema';
import type { SyncClient } from './sync-client.svelte';

/** How one command a person sent from a details panel ended; `wanted` is what they asked for. */
export type CommandOutcome<W> = { kind: 'done'; wanted: W } | { kind: 'rejected'; code: ErrorCode } | { kind: 'conflict'; current: GroupView; wanted: W };

/**
 * One command at a time from a small form (status change, follow-up request): sends it through
 * the outbox and keeps what the screen shows — sending, waiting for the connection, done, refused,
 * or a conflict with the current state for the person to resolve. A newer send makes the answer
 * to an older one stale, so it is ignored.
 */
export class CommandRun<W> {
  sending = $state<string | null>(null);
  outcome = $state<CommandOutcome<W> | null>(null);
  // A getter, so a component's `sync` prop is read when used, not captured once at creation.
  readonly #sync: () => SyncClient;

  constructor(sync: () => SyncClient) {
    this.#sync = sync;
  }

  /** True while a command is queued but the connection is not live. */
  get waiting(): boolean {
    return this.sending !== null && this.#sync().connection !== 'connected';
  }

  /** Sends the command `build` makes with a fresh id; resolves true when it committed. */
  async run(wanted: W, build: (commandId: string) => Command): Promise<boolean> {
    const commandId = v7();
    this.sending = commandId;
    this.outcome = null;
    const ack = await this.#sync().send(build(commandId));
    if (this.sending !== commandId) return false;
    this.sending = null;
    if (ack.ok) {
      this.outcome = { kind: 'done', wanted };
      this.#sync().outbox.dismiss(commandId);
      return true;
    }
    this.outcome = ack.code === 'conflict' && ack.current ? { kind: 'conflict', current: ack.current, wanted } : { kind: 'rejected', code: ack.code };
    return false;
  }
}
