import type { LogFields } from '../log';
import type { Actor, CommandOutcome } from '../services/group.service';
import type { Command } from '../../shared/schemas/command.schema';

/** What the write worker is started with. */
export interface WriteWorkerData {
  databaseFile: string;
}

/** Main thread → worker: a batch to run in one transaction, or (tests) a crash on the next one. */
export type WorkerRequest =
  { type: 'batch'; id: number; now: number; items: { actor: Actor; command: Command; sessionId: string | null }[] } | { type: 'crash-next-batch' };

/** Worker → main thread. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcomes: CommandOutcome[]; applyMs: number; commitMs: number }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; event: string; fields: LogFields };
