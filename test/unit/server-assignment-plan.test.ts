import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { planCreateAssignment, planUpdateAssignment } from '../../server/services/assignment-plan';
import type { Command } from '../../shared/schemas/command.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { makeAudience, makeGroup } from '../support/factories';

const AT = '2026-03-10T12:00:00.000Z';
const agencyId = uuidv7();
const responder = makeAudience({ role: 'responder', agencyId });
const coordinator = makeAudience({ role: 'coordinator' });
const UN = { type: 'un', servesState: null } as const;

function created(): Group {
  const g = makeGroup();
  const result = planCreateAssignment(g, create(g), UN, uuidv7(), AT);
  if (!('group' in result)) throw new Error(result.message);
  return result.group;
}
function create(g: Group, needId = g.needs[0]!.id): Extract<Command, { type: 'assignment.create' }> {
  return {
    type: 'assignment.create',
    commandId: uuidv7(),
    groupId: g.id,
    baseVersion: g.version,
    assignment: { id: uuidv7(), needId, agencyId, note: 'by noon', expectedBy: null },
  };
}
function update(g: Group, fields: Partial<Extract<Command, { type: 'assignment.update' }>>): Extract<Command, { type: 'assignment.update' }> {
  const a = g.assignments[0]!;
  return { type: 'assignment.update', commandId: uuidv7(), groupId: g.id, baseVersion: a.version, assignmentId: a.id, ...fields };
}
const step = (g: Group, who = responder, fields: Partial<Extract<Command, { type: 'assignment.update' }>> = {}) =>
  planUpdateAssignment(g, update(g, fields), who, AT);
const ok = (r: ReturnType<typeof step>): Group => {
  if (!('group' in r)) throw new Error(`${r.code}: ${r.message}`);
  return r.group;
};

describe(planCreateAssignment.name, () => {
  it('proposes the need to the agency and marks the need assigned', () => {
    const g = created();
    expect(g.assignments[0]).toMatchObject({ status: 'proposed', agencyId, note: 'by noon', version: 1, updatedAt: AT });
    expect(g.needs[0]!.status).toBe('assigned');
  });

  it('refuses a need that already has open work (conflict), an unknown need and an unknown agency', () => {
    const g = created();
    expect(planCreateAssignment(g, create(g), UN, uuidv7(), AT)).toMatchObject({ code: 'conflict', conflict: true });
    expect(planCreateAssignment(g, create(g, uuidv7()), UN, uuidv7(), AT)).toMatchObject({ code: 'invalid' });
    const fresh = makeGroup();
    expect(planCreateAssignment(fresh, create(fresh), null, uuidv7(), AT)).toMatchObject({ code: 'invalid' });
  });
});

describe(planUpdateAssignment.name, () => {
  it('walks the agency through accept, progress and completion, and meets the need', () => {
    const done = ok(
      step(ok(step(ok(step(created(), responder, { status: 'accepted' })), responder, { status: 'in_progress' })), responder, {
        status: 'completed',
        peopleReached: 30,
      }),
    );
    expect(done.assignments[0]).toMatchObject({ status: 'completed', peopleReached: 30, version: 4 });
    expect(done.needs[0]!.status).toBe('met');
  });

  it('answers not_found to another agency, as if the assignment did not exist', () => {
    expect(step(created(), makeAudience({ role: 'responder', agencyId: uuidv7() }), { status: 'accepted' })).toMatchObject({ code: 'not_found' });
  });

  it('gives a stale version a conflict', () => {
    const g = created();
    const command = { ...update(g, { status: 'accepted' }), baseVersion: 7 };
    expect(planUpdateAssignment(g, command, responder, AT)).toMatchObject({ code: 'conflict', conflict: true });
  });

  it('refuses a cancel by the agency, a decline without a reason, and any move out of a final status', () => {
    const g = created();
    expect(step(g, responder, { status: 'cancelled' })).toMatchObject({ code: 'invalid' });
    expect(step(g, responder, { status: 'declined' })).toMatchObject({ code: 'invalid' });
    const declined = ok(step(g, responder, { status: 'declined', note: 'no truck' }));
    expect(declined.needs[0]!.status).toBe('open');
    expect(step(declined, coordinator, { status: 'accepted' })).toMatchObject({ code: 'invalid' });
    expect(step(declined, coordinator, { note: 'edit after the fact' })).toMatchObject({ code: 'invalid' });
  });

  it('lets a coordinator cancel, which reopens the need', () => {
    const cancelled = ok(step(created(), coordinator, { status: 'cancelled' }));
    expect(cancelled.needs[0]!.status).toBe('open');
  });
});

describe('a group whose status follows its work', () => {
  /** A group with one need per type given, each handed to the agency and walked to `last`. */
  function withWork(types: ('food' | 'water')[]): Group {
    let g = makeGroup({ needs: types.map((type) => ({ id: uuidv7(), type, severity: 3, people: 5, status: 'open' as const })), status: 'verified' });
    for (const need of g.needs) {
      const r = planCreateAssignment(g, create(g, need.id), UN, uuidv7(), AT);
      if (!('group' in r)) throw new Error(r.message);
      g = r.group;
    }
    return g;
  }
  const move = (g: Group, index: number, fields: Partial<Extract<Command, { type: 'assignment.update' }>>) => {
    const a = g.assignments[index]!;
    return ok(planUpdateAssignment(g, { ...update(g, fields), assignmentId: a.id, baseVersion: a.version }, responder, AT));
  };

  it('is in progress once an agency accepts, and assisted when the last need is met', () => {
    let g = withWork(['food', 'water']);
    expect(g.status).toBe('verified');
    g = move(g, 0, { status: 'accepted' });
    expect(g.status).toBe('assistance_in_progress');
    g = move(g, 0, { status: 'completed', peopleReached: 5 });
    expect(g.status).toBe('assistance_in_progress');
    g = move(move(g, 1, { status: 'accepted' }), 1, { status: 'completed', peopleReached: 5 });
    expect(g.needs.map((n) => n.status)).toEqual(['met', 'met']);
    expect(g.status).toBe('assisted');
  });

  it('is not assisted again by a later edit of finished work once a coordinator reopened it (the undo)', () => {
    const done = move(move(withWork(['food']), 0, { status: 'accepted' }), 0, { status: 'completed', peopleReached: 5 });
    expect(done.status).toBe('assisted');
    const reopened: Group = { ...done, status: 'assistance_in_progress' };
    expect(move(reopened, 0, { peopleReached: 6 }).status).toBe('assistance_in_progress');
  });
});
