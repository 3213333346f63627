import { NO_ADMIN_AREAS } from '../../../shared/schemas/admin-area.schema';
import type { Command } from '../../../shared/schemas/command.schema';
import type { GroupView } from '../../../shared/schemas/group.schema';
import type { HeldView } from './held-view';
import type { OutboxEntry } from './outbox.svelte';

type ReportCommand = Extract<Command, { type: 'group.report' }>;

/** Who is reporting: what the server would add to a report when it stores it. */
export interface ReporterContext {
  crisisId: string;
  userId: string;
}

/**
 * The group a waiting report will become, for drawing it (hollow) before the server has it. Never
 * sent anywhere: the server makes the real one from the command.
 */
export function provisionalView(command: ReportCommand, queuedAt: string, ctx: ReporterContext): GroupView {
  const { group } = command;
  return {
    view: 'full',
    group: {
      ...group,
      crisisId: ctx.crisisId,
      needs: group.needs.map((need) => ({ ...need, status: 'open' })),
      status: 'reported',
      version: 1,
      reportedBy: ctx.userId,
      reportedAt: queuedAt,
      updatedAt: queuedAt,
      mergedInto: null,
      assignments: [],
      followUpBy: [],
      // The server names the admin areas when it stores the report; until then none is claimed.
      admin: NO_ADMIN_AREAS,
    },
  };
}

/**
 * The groups plus the reports still waiting in the outbox. Returns `groups` itself when nothing
 * waits, so the common case copies nothing.
 */
export function withWaitingReports(
  groups: ReadonlyMap<string, HeldView>,
  entries: readonly OutboxEntry[],
  ctx: ReporterContext,
): ReadonlyMap<string, HeldView> {
  const waiting = entries.filter((e) => e.status === 'waiting' && e.command.type === 'group.report');
  if (waiting.length === 0) return groups;
  const merged = new Map(groups);
  for (const entry of waiting) {
    if (entry.command.type !== 'group.report' || merged.has(entry.command.group.id)) continue;
    merged.set(entry.command.group.id, provisionalView(entry.command, entry.queuedAt, ctx));
  }
  return merged;
}
