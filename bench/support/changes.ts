/**
 * Changes streamed into a running server the way field teams make them: `group.update` commands
 * (a group seen again a little further along the road) on existing groups, through real sockets,
 * at a fixed rate, each on its own group so none conflicts.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DATABASE_FILE_NAME } from '../../server/config';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import type { Group } from '../../shared/schemas/group.schema';
import { connectAs, signIn, updateCommand, type ClientSocket } from '../../test/support/clients';

/** `count` groups of the database, spread over it, as stored now. */
export function pickGroups(dataDir: string, count: number): Group[] {
  const db = openDatabase(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
  try {
    const total = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM groups').get()?.n ?? 0;
    const step = Math.max(1, Math.floor(total / count));
    const rows = db.prepare<[number, number], { data: string }>('SELECT data FROM groups WHERE rowid % ? = 0 LIMIT ?').all(step, count);
    return rows.map((r) => JSON.parse(r.data) as Group);
  } finally {
    db.close();
  }
}

/** The group after `moveCommand`'s edit, as the server would store it. */
export function moved(group: Group, at: string): Group {
  return {
    ...group,
    location: { ...group.location, lat: Math.round((group.location.lat + 0.001) * 1e5) / 1e5 },
    seenAt: at,
    updatedAt: at,
    version: group.version + 1,
  };
}

/**
 * The same edits written straight through the repositories, 5,000 to a transaction, with their
 * change-log rows: for scenarios that need many changes to have happened, not to watch them
 * happen (one fsync per command would take minutes here).
 */
export async function writeMoves(dataDir: string, groups: readonly Group[], actor: string): Promise<void> {
  const db = openDatabase(path.join(dataDir, DATABASE_FILE_NAME));
  try {
    const repos = createRepositories(db);
    for (let i = 0; i < groups.length; i += 5_000) {
      await repos.transaction(async () => {
        for (const group of groups.slice(i, i + 5_000)) {
          const next = moved(group, new Date().toISOString());
          await repos.groups.update(next);
          await repos.changeLog.appendGroupChange('group.update', next, actor, next.updatedAt);
        }
      });
    }
  } finally {
    db.close();
  }
}

export interface Streamer {
  sockets: ClientSocket[];
  close(): void;
}

/** Field sockets (one session) to send from. */
export async function fieldSockets(url: string, credentials: { username: string; password: string }, count: number): Promise<Streamer> {
  const cookie = await signIn(url, credentials.username, credentials.password);
  const sockets = await Promise.all(Array.from({ length: count }, () => connectAs(url, cookie)));
  return { sockets, close: () => sockets.forEach((s) => s.close()) };
}

/** The edit for change `i`: the group moved about 100 m north, seen now. */
export function moveCommand(group: Group) {
  return updateCommand(group.id, group.version, {
    location: { ...group.location, lat: Math.round((group.location.lat + 0.001) * 1e5) / 1e5 },
    seenAt: new Date().toISOString(),
  });
}

/**
 * Sends one change per group at `perSecond`, round-robin over the sockets, without waiting for
 * acks before the next. Resolves with each acknowledged change's ack time (Date.now()) and seq.
 */
export async function streamChanges(
  streamer: Streamer,
  groups: readonly Group[],
  perSecond: number,
): Promise<{ ackedAt: number[]; seqs: number[]; failed: number }> {
  const ackedAt: number[] = [];
  const seqs: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < groups.length; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const socket = streamer.sockets[i % streamer.sockets.length]!;
    pending.push(
      socket
        .timeout(30_000)
        .emitWithAck('command', moveCommand(groups[i]!))
        .then(
          (ack) => {
            if (ack.ok) {
              ackedAt.push(Date.now());
              seqs.push(ack.seq);
            } else {
              if (failed++ === 0) console.error(`a change was refused: ${ack.code} ${ack.message}`);
            }
          },
          (error: unknown) => {
            if (failed++ === 0) console.error(`a change got no answer: ${String(error)}`);
          },
        ),
    );
  }
  await Promise.all(pending);
  return { ackedAt, seqs, failed };
}
