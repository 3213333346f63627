import { describe, expect, it } from 'vitest';
import { v7 } from 'uuid';
import { withWaitingReports } from '../../client/lib/sync/provisional';
import type { OutboxEntry } from '../../client/lib/sync/outbox.svelte';
import { Group, GroupInput, type GroupView } from '../../shared/schemas/group.schema';

function waitingReport(): OutboxEntry {
  const group = GroupInput.parse({ id: v7(), location: { lat: 1, lon: 2 }, seenAt: new Date().toISOString(), headcount: { total: 3 } });
  return {
    command: { type: 'group.report', commandId: v7(), group },
    queuedAt: new Date().toISOString(),
    status: 'waiting',
    seq: null,
    failure: null,
    current: null,
  };
}

describe(withWaitingReports.name, () => {
  const ctx = { crisisId: v7(), userId: v7() };

  it('returns the same map when nothing waits', () => {
    const groups = new Map<string, GroupView>();
    expect(withWaitingReports(groups, [], ctx)).toBe(groups);
    expect(withWaitingReports(groups, [{ ...waitingReport(), status: 'sent' }], ctx)).toBe(groups);
  });

  it('adds a waiting report as a reported group that the Group schema accepts', () => {
    const entry = waitingReport();
    const merged = withWaitingReports(new Map(), [entry], ctx);
    const id = entry.command.type === 'group.report' ? entry.command.group.id : '';
    const view = merged.get(id);
    expect(view?.view).toBe('full');
    if (view?.view !== 'full') return;
    expect(view.group.status).toBe('reported');
    expect(view.group.reportedBy).toBe(ctx.userId);
    expect(Group.safeParse(view.group).success).toBe(true);
  });
});
