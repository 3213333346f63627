import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbassyAggregates, SMALL_COUNT_MAX } from '../../shared/aggregate';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { CONSENT_VALUES, type GroupInput } from '../../shared/schemas/group.schema';
import { changedId, type ChangeEvent } from '../../shared/schemas/sync.schema';
import {
  collectChanges,
  connectAs,
  connectUser,
  expectChanges,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  updateCommand,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// The in-process property (test/unit/embassy-channels.property.test.ts) runs 1,000 cases on the
// pure functions; this one runs fewer, end to end: real server, real sockets, real SQLite.

let server: TestServer;
let coordinator: ClientSocket;
let embassy: ClientSocket;
let embassyCookie: string;

beforeAll(async () => {
  server = await startTestServer({ socketRate: { perSecond: 10_000, burst: 10_000 } });
  coordinator = await connectUser(server.url, server.accounts.coordinator);
  embassyCookie = await signIn(server.url, server.accounts.embassy.username, server.accounts.embassy.password);
  embassy = await connectAs(server.url, embassyCookie);
});
afterAll(async () => {
  coordinator.close();
  embassy.close();
  await server.destroy();
});

interface State {
  nationality: string;
  consent: (typeof CONSENT_VALUES)[number];
  flag: boolean;
}
const stateArb = fc.record({ nationality: fc.constantFrom('NGA', 'NER'), consent: fc.constantFrom(...CONSENT_VALUES), flag: fc.boolean() });
/** The embassy (Nigeria) may see a group in full: the rule, restated. */
const oracle = (s: State) => s.nationality === 'NGA' && s.consent === 'yes' && !s.flag;

/** What a client holds after applying a feed, restricted to some ids. */
function apply(events: readonly ChangeEvent[], ids: ReadonlySet<string>): Set<string> {
  const held = new Set<string>();
  for (const e of events) {
    const id = changedId(e);
    if (!ids.has(id)) continue;
    if (e.kind === 'group.upsert') held.add(id);
    else held.delete(id);
  }
  return held;
}

describe('what an embassy receives over real sockets, against the oracle', () => {
  it('snapshot, live feed, catch-up and aggregates leak nothing the rule forbids', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(stateArb, fc.array(stateArb, { maxLength: 3 })), { minLength: 1, maxLength: 4 }), async (cases) => {
        const start = expectSnapshot(await requestSync(embassy, null)).seq;
        const live = collectChanges(embassy);
        const ids = new Set<string>();
        const finals = new Map<string, State>();
        for (const [first, edits] of cases) {
          const input: GroupInput = makeGroupInput({
            headcount: { total: 12 },
            nationalities: [{ code: first.nationality, count: 3 }],
            consentConsulate: first.consent,
            protectionConcern: first.flag,
          });
          let ack = expectOk(await sendCommand(coordinator, reportCommand(input)));
          ids.add(input.id);
          let last = first;
          for (const edit of edits) {
            const patch = { nationalities: [{ code: edit.nationality, count: 3 }], consentConsulate: edit.consent, protectionConcern: edit.flag };
            ack = expectOk(await sendCommand(coordinator, updateCommand(input.id, ack.group.version, patch)));
            last = edit;
          }
          finals.set(input.id, last);
        }
        const allowed = new Set([...finals].filter(([, s]) => oracle(s)).map(([id]) => id));

        const catchUp = expectChanges(await requestSync(embassy, start)); // also a barrier for the live feed
        const snapshot = expectSnapshot(await requestSync(embassy, null));
        const aggregates = await fetch(`${server.url}${API_ROUTES.aggregates}`, { headers: { cookie: embassyCookie } });
        const aggregateText = await aggregates.text();

        expect(apply(live, ids)).toEqual(allowed);
        expect(apply(catchUp.changes, ids)).toEqual(allowed);
        expect(new Set(snapshot.groups.map((v) => v.group.id).filter((id) => ids.has(id)))).toEqual(allowed);
        for (const e of [...live, ...catchUp.changes]) {
          if (e.kind !== 'group.upsert') continue;
          // Rule 9: its nationals' part only.
          expect(e.group.view).toBe('nationals');
          if (e.group.view === 'nationals') expect(e.group.group.nationality).toBe('NGA');
        }
        const parsed = EmbassyAggregates.parse((JSON.parse(aggregateText) as { aggregates: unknown }).aggregates);
        for (const area of parsed.areas) {
          for (const n of [area.people, ...Object.values(area.byStatus), ...Object.values(area.byNeed)]) {
            if (typeof n === 'number') expect(n).toBeGreaterThan(SMALL_COUNT_MAX);
          }
        }
        for (const id of ids) expect(aggregateText).not.toContain(id);
        expect(aggregateText).not.toContain('NER');
        embassy.off('change');
        embassy.off('changes');
      }),
      { numRuns: 40 },
    );
  });
});
