import { v7 as uuidv7 } from 'uuid';
import { afterEach, describe, expect, it } from 'vitest';
import { movementCommandTitle, refusalText, routeOf } from '../../client/components/movements/movement-messages';
import { i18n } from '../../client/lib/i18n/i18n.svelte';
import { MOVEMENT_REFUSALS } from '../../shared/movements';
import type { MovementCommand } from '../../shared/schemas/movement-command.schema';

// What a person reads of a movement command: its title in the outbox, and the rule that refused it.

const id = uuidv7();
const place = (name: string) => ({ name, lat: 32.9, lon: 13.2 });
const legs = [
  {
    id,
    from: { siteId: null, place: place('Tripoli port') },
    to: { siteId: null, place: place('Zawiya shelter') },
    plannedDeparture: null,
    plannedArrival: null,
  },
];
const COMMANDS: MovementCommand[] = [
  {
    type: 'movement.create',
    commandId: id,
    movement: { id, kind: 'relocation_in_country', mode: 'bus', carrierAgencyId: null, seats: 10, destinationCountry: null, notes: '', legs },
  },
  { type: 'movement.update', commandId: id, movementId: id, baseVersion: 1, patch: { seats: 12 } },
  { type: 'movement.addGroup', commandId: id, movementId: id, baseVersion: 1, groupId: id, consentToMove: true, pickup: null, specialNeeds: '' },
  { type: 'movement.removeGroup', commandId: id, movementId: id, baseVersion: 1, groupId: id },
  { type: 'movement.setLegStatus', commandId: id, movementId: id, legId: id, status: 'departed' },
  { type: 'movement.checkIn', commandId: id, movementId: id, groupId: id, state: 'no_show' },
  { type: 'movement.confirmDocuments', commandId: id, movementId: id, groupId: id, status: 'refused' },
];

afterEach(() => i18n.setLocale('en'));

describe(movementCommandTitle.name, () => {
  it('titles every movement command type, differently, in each language, never with a bare key', () => {
    for (const code of ['en', 'fr', 'ar']) {
      i18n.setLocale(code);
      const titles = COMMANDS.map(movementCommandTitle);
      for (const title of titles) expect(title, code).not.toMatch(/movement\.|\{/);
      expect(new Set(titles).size, code).toBe(COMMANDS.length);
    }
  });

  it('says which step a leg, a check-in or a consulate took', () => {
    expect(COMMANDS.map(movementCommandTitle).slice(4)).toEqual(['Leg to “Departed”', 'Boarding: No-show', 'Travel documents: Documents refused']);
  });
});

describe(refusalText.name, () => {
  it('names the rule that refused, in the reader’s language', () => {
    const full = { code: 'conflict' as const, issues: [{ path: [], message: '12 people for 5 free places at X', code: 'site_full' }] };
    expect(refusalText(full)).toBe('the destination site has no room for everyone on board');
    i18n.setLocale('fr');
    expect(refusalText(full)).toBe('le site de destination n’a pas de place pour tous');
  });

  it('has words for every named rule, and falls back to the kind of failure', () => {
    for (const code of [...MOVEMENT_REFUSALS, 'site_unknown', 'carrier_unknown']) {
      expect(refusalText({ code: 'conflict', issues: [{ path: [], message: '', code }] })).not.toMatch(/^movement\./);
    }
    expect(refusalText({ code: 'not_found' })).toBe('the movement or the group no longer exists, or is not yours to change');
    expect(refusalText({ code: 'conflict', issues: [{ path: [], message: 'x', code: 'something_else' }] })).toBe('someone changed it first');
  });
});

describe(routeOf.name, () => {
  it('reads a movement as its first start and its last end, the arrow pointing the way the page reads', () => {
    expect(routeOf(legs)).toBe('\u2068Tripoli port\u2069 → \u2068Zawiya shelter\u2069');
    expect(routeOf([])).toBe('');
    // Read right to left, the arrow points left: from the start, read first, to the end.
    i18n.setLocale('ar');
    expect(routeOf(legs)).toBe('\u2068Tripoli port\u2069 ← \u2068Zawiya shelter\u2069');
  });
});
