import { describe, expect, it } from 'vitest';
import { projectChange } from '../../server/services/change-projection';
import { makeAudience, makeGroup } from '../support/factories';

const crisisId = '0190a0a0-0000-7000-8000-00000000000a';
const embassy = makeAudience({ role: 'embassy', crisisId, servesState: 'NGA' });
const visible = makeGroup({ crisisId, nationalities: [{ code: 'NGA', count: 3 }], consentConsulate: 'yes' });

describe(projectChange.name, () => {
  it('sends an upsert when the audience may see the group after the change', () => {
    expect(projectChange(embassy, 5, null, visible)).toMatchObject({
      kind: 'group.upsert',
      seq: 5,
      group: { view: 'nationals', group: { id: visible.id, nationals: 3 } },
    });
  });

  it('sends a removal when the audience saw the group before and may not after', () => {
    const withdrawn = { ...visible, consentConsulate: 'no' as const, version: 2 };
    const flagged = { ...visible, protectionConcern: true, version: 2 };

    expect(projectChange(embassy, 6, visible, withdrawn)).toEqual({ kind: 'group.remove', seq: 6, groupId: visible.id });
    expect(projectChange(embassy, 6, visible, flagged)).toEqual({ kind: 'group.remove', seq: 6, groupId: visible.id });
  });

  it('sends nothing to an audience that never saw the group and still may not', () => {
    const hidden = { ...visible, consentConsulate: 'no' as const };

    expect(projectChange(embassy, 7, null, hidden)).toBeNull();
    expect(projectChange(embassy, 8, hidden, { ...hidden, version: 2 })).toBeNull();
    expect(projectChange(makeAudience({ role: 'admin', crisisId }), 9, visible, visible)).toBeNull();
  });

  it('sends nothing to another crisis', () => {
    expect(projectChange(makeAudience({ role: 'coordinator' }), 10, null, visible)).toBeNull();
  });
});
