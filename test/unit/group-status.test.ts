import { describe, expect, it } from 'vitest';
import { canTransition, GROUP_STATUS_TRANSITIONS } from '../../shared/group-status';
import { GROUP_STATUSES } from '../../shared/schemas/group.schema';

describe('GROUP_STATUS_TRANSITIONS', () => {
  it('has a row for every status and names only known statuses', () => {
    expect(Object.keys(GROUP_STATUS_TRANSITIONS).sort()).toEqual([...GROUP_STATUSES].sort());
    for (const targets of Object.values(GROUP_STATUS_TRANSITIONS)) {
      for (const t of targets) expect(GROUP_STATUSES).toContain(t);
    }
  });

  it('never allows staying in place', () => {
    for (const s of GROUP_STATUSES) expect(canTransition(s, s)).toBe(false);
  });

  it('moves a report along the path of assistance', () => {
    expect(canTransition('reported', 'verified')).toBe(true);
    expect(canTransition('verified', 'assistance_in_progress')).toBe(true);
    expect(canTransition('assistance_in_progress', 'assisted')).toBe(true);
    expect(canTransition('assisted', 'evacuated')).toBe(true);
    expect(canTransition('evacuated', 'closed')).toBe(true);
  });

  it('lets people found again be reopened', () => {
    expect(canTransition('unreachable', 'verified')).toBe(true);
    expect(canTransition('closed', 'verified')).toBe(true);
  });

  it('keeps a merged duplicate final', () => {
    for (const s of GROUP_STATUSES) expect(canTransition('duplicate', s)).toBe(false);
  });

  it('refuses to skip back to reported or to undo an evacuation', () => {
    for (const s of GROUP_STATUSES) expect(canTransition(s, 'reported')).toBe(false);
    expect(canTransition('evacuated', 'assistance_in_progress')).toBe(false);
  });

  it('reaches every status but reported from somewhere', () => {
    const reachable = new Set(Object.values(GROUP_STATUS_TRANSITIONS).flat());
    for (const s of GROUP_STATUSES) if (s !== 'reported') expect(reachable.has(s)).toBe(true);
  });
});
