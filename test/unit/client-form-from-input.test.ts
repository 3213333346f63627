import { describe, expect, it } from 'vitest';
import { buildDraft, formFromInput } from '../../client/lib/state/group-form';
import { GroupInput } from '../../shared/schemas/group.schema';
import type { NeedType } from '../../shared/schemas/need.schema';
import { makeGroupInput } from '../support/clients';

describe('formFromInput', () => {
  it('holds a report so that building it again gives the same report', () => {
    const group = makeGroupInput({
      seenAt: '2026-03-04T05:06:00.000Z',
      location: { lat: 32.1, lon: 13.2, accuracyM: 30, placeName: 'Port', siteType: 'detention_centre' },
      headcount: { total: 20, female: { age18to59: 6 }, male: { under5: 2 } },
      nationalities: [
        { code: 'SDN', count: 9 },
        { code: 'stateless', count: 1 },
      ],
      needs: [{ id: '0190f3a0-0000-7000-8000-000000000001', type: 'medical', severity: 5, people: 3 }],
      vulnerabilities: { unaccompaniedChildren: 2 },
      intention: 'evacuate_to_origin',
      consentConsulate: 'yes',
      protectionConcern: true,
      notes: 'near the port',
    });
    const needIds = new Map<NeedType, string>(group.needs.map((n) => [n.type, n.id]));
    const { draft } = buildDraft(formFromInput(group), { groupId: group.id, needId: (type) => needIds.get(type) ?? 'missing' });
    expect(GroupInput.parse(draft)).toEqual(group);
  });
});
