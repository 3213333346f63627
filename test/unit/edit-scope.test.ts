import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { mayEditGroup } from '../../shared/edit-scope';
import { Group } from '../../shared/schemas/group.schema';
import { ROLES } from '../../shared/schemas/user.schema';
import { makeAudience, makeGroup } from '../support/factories';

describe(mayEditGroup.name, () => {
  const crisisId = uuidv7();
  const me = uuidv7();
  const field = makeAudience({ userId: me, role: 'field', crisisId });

  it('lets a field user edit a group they reported', () => {
    expect(mayEditGroup(field, makeGroup({ crisisId, reportedBy: me }))).toBe(true);
  });

  it('lets a field user edit a group they were asked to follow up', () => {
    expect(mayEditGroup(field, makeGroup({ crisisId, followUpBy: [uuidv7(), me] }))).toBe(true);
  });

  it('refuses a field user another team’s group they were not asked to follow up', () => {
    expect(mayEditGroup(field, makeGroup({ crisisId }))).toBe(false);
    expect(mayEditGroup(field, makeGroup({ crisisId, followUpBy: [uuidv7()] }))).toBe(false);
  });

  it('refuses a field user their own group once they are in another crisis', () => {
    expect(mayEditGroup(field, makeGroup({ crisisId: uuidv7(), reportedBy: me, followUpBy: [me] }))).toBe(false);
    expect(mayEditGroup({ ...field, crisisId: null }, makeGroup({ crisisId, reportedBy: me }))).toBe(false);
  });

  it('lets a coordinator edit any group of their crisis, and none of another', () => {
    const coordinator = makeAudience({ role: 'coordinator', crisisId });
    expect(mayEditGroup(coordinator, makeGroup({ crisisId }))).toBe(true);
    expect(mayEditGroup(coordinator, makeGroup({ crisisId: uuidv7() }))).toBe(false);
  });

  it.each(ROLES.filter((r) => r !== 'coordinator' && r !== 'field'))('refuses %s even a group it reported or follows up', (role) => {
    const audience = makeAudience({ userId: me, role, crisisId });
    expect(mayEditGroup(audience, makeGroup({ crisisId, reportedBy: me, followUpBy: [me] }))).toBe(false);
  });
});

describe('Group.followUpBy', () => {
  it('defaults to nobody for a group stored before the field existed', () => {
    const { followUpBy: _dropped, ...stored } = makeGroup();
    expect(Group.parse(JSON.parse(JSON.stringify(stored))).followUpBy).toEqual([]);
  });
});
