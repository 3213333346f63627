import { describe, expect, it } from 'vitest';
import { reapplyOn, seenAgainPatch } from '../../client/lib/sync/seen-again';
import type { Group } from '../../shared/schemas/group.schema';
import { GroupPatch } from '../../shared/schemas/group.schema';
import { makeGroupInput, updateCommand } from '../support/clients';

const group = (): Pick<Group, 'headcount' | 'needs' | 'version'> => {
  const input = makeGroupInput({ headcount: { total: 12 }, needs: [{ id: '0190f3a0-0000-7000-8000-000000000001', type: 'water', severity: 5, people: 12 }] });
  return { headcount: input.headcount, needs: input.needs.map((n) => ({ ...n, status: 'assigned' as const })), version: 4 };
};

describe('seenAgainPatch', () => {
  it('keeps a known need (id, severity) with its people capped at the new total, and adds new ones', () => {
    const seenAt = new Date('2026-02-02T10:00:00.000Z');
    const patch = seenAgainPatch(group(), { total: 8, needs: ['water', 'food'], seenAt }, () => '0190f3a0-0000-7000-8000-0000000000f1');
    expect(patch.seenAt).toBe(seenAt.toISOString());
    expect(patch.headcount?.total).toBe(8);
    expect(patch.needs).toEqual([
      { id: '0190f3a0-0000-7000-8000-000000000001', type: 'water', severity: 5, people: 8 },
      { id: '0190f3a0-0000-7000-8000-0000000000f1', type: 'food', severity: 3, people: 8 },
    ]);
    expect(GroupPatch.safeParse(patch).success).toBe(true);
  });

  it('drops needs no longer ticked', () => {
    const patch = seenAgainPatch(group(), { total: 12, needs: [], seenAt: new Date() }, () => 'unused');
    expect(patch.needs).toEqual([]);
  });
});

describe('reapplyOn', () => {
  it('sends the same changes with a new id on the current version', () => {
    const command = updateCommand('0190f3a0-0000-7000-8000-0000000000b1', 2, { notes: 'seen' });
    if (command.type !== 'group.update') throw new Error('not an update');
    const again = reapplyOn(command, group(), '0190f3a0-0000-7000-8000-0000000000d1');
    expect(again).toEqual({ ...command, commandId: '0190f3a0-0000-7000-8000-0000000000d1', baseVersion: 4 });
  });
});
