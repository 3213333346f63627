import type { BenchRow } from '../scenario';
import { perCommit, type ChildStats } from './processes';

/** Where the server's time per commit went (group-commit flush statistics from the server process). */
export function flushRows(scenario: string, load: string, stats: ChildStats): BenchRow[] {
  const mean = perCommit(stats);
  const row = (metric: string, unit: string, value: number, note: string): BenchRow => ({ scenario, metric: `${metric}, ${load}`, unit, waymark: value, note });
  return [
    row('commands per commit', '', mean.commands, `${stats.batches} commits, largest ${stats.largestBatch}`),
    row('apply per commit', 'ms', mean.apply, 'rules and SQL statements of the batch, inside the transaction'),
    row('BEGIN+COMMIT per commit', 'ms', mean.commit, 'with synchronous=FULL: the fsync; the event loop waits'),
    row('publish+ack per commit', 'ms', mean.publish, 'project per room, send to every socket, ack'),
  ];
}
