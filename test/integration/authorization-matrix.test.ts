import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandAck } from '../../shared/events';
import { CONSULAR_ROUTES } from '../../shared/consular';
import { ACTIONS, PERMISSIONS, can, type Action } from '../../shared/permissions';
import { API_ROUTES, SessionInfo } from '../../shared/schemas/api.schema';
import { COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { v7 as uuidv7 } from 'uuid';
import { COMMAND_TYPES, Command } from '../../shared/schemas/command.schema';
import { CONSENT_VALUES, type GroupInput } from '../../shared/schemas/group.schema';
import { ROLES, type Role } from '../../shared/schemas/user.schema';
import {
  ownOrigin,
  connectAs,
  expectOk,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  statusCommand,
  updateCommand,
  type ClientSocket,
} from '../support/clients';
import { FIXTURE_USERS, startTestServer, type FixtureAccount, type TestServer } from '../support/server';

// Generated from the permission table: every role (fixture account) against every socket event and
// REST route, with the scope variants the server decides on top of the table. The expected
// outcome comes from an oracle written here, independently of shared/projection.ts.

let server: TestServer;
const cookies = new Map<FixtureAccount, string>();
const userIds = new Map<FixtureAccount, string>();
const sockets = new Map<FixtureAccount, ClientSocket>();
const ACCOUNTS = Object.keys(FIXTURE_USERS) as FixtureAccount[];
const ROLE_OF: Record<FixtureAccount, Role> = {
  coordinator: 'coordinator',
  secondCoordinator: 'coordinator',
  field: 'field',
  responder: 'responder',
  embassy: 'embassy',
  admin: 'admin',
  embassyNiger: 'embassy',
  otherField: 'field',
};
const STATE_OF: Partial<Record<FixtureAccount, string>> = { embassy: 'NGA', embassyNiger: 'NER' };
const IN_MAIN_CRISIS = (a: FixtureAccount) => a !== 'admin' && a !== 'otherField';

beforeAll(async () => {
  server = await startTestServer({ socketRate: { perSecond: 10_000, burst: 10_000 } });
  for (const account of ACCOUNTS) {
    const credentials = server.fixtureAccounts[account];
    if (!credentials) throw new Error(`no ${account}`);
    const cookie = await signIn(server.url, credentials.username, credentials.password);
    cookies.set(account, cookie);
    sockets.set(account, await connectAs(server.url, cookie));
    userIds.set(account, SessionInfo.parse(await (await get(account, API_ROUTES.session)).json()).user.id);
  }
  // A second agency that can take assignments: the "not their own agency" scope for responders.
  const created = await fetch(`${server.url}${API_ROUTES.admin}/agencies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookies.get('admin') ?? '', ...ownOrigin(server.url) },
    body: JSON.stringify({ name: 'Another agency', acronym: 'OTHER', type: 'ingo' }),
  });
  if (created.status !== 201) throw new Error('could not create the second agency');
});
afterAll(async () => {
  for (const socket of sockets.values()) socket.close();
  await server.destroy();
});

const agencies = new Map<string, string>();
async function agencyId(acronym: string): Promise<string> {
  if (agencies.size === 0) {
    const response = await get('admin', `${API_ROUTES.admin}/overview`);
    for (const a of ((await response.json()) as { agencies: { id: string; acronym: string }[] }).agencies) agencies.set(a.acronym, a.id);
  }
  return agencies.get(acronym) ?? expect.fail(`no agency ${acronym}`);
}
const userIdOf = (a: FixtureAccount) => userIds.get(a) ?? expect.fail(`no user id for ${a}`);
const socketOf = (a: FixtureAccount) => sockets.get(a) ?? expect.fail(`no socket for ${a}`);
const get = (a: FixtureAccount, path: string) => fetch(`${server.url}${path}`, { headers: { cookie: cookies.get(a) ?? '' } });

/** The oracle: what an account may see of a group of the main crisis. */
function oracleView(account: FixtureAccount, g: GroupInput): 'full' | 'reduced' | 'nationals' | 'none' {
  if (!IN_MAIN_CRISIS(account)) return 'none';
  switch (ROLE_OF[account]) {
    case 'coordinator':
      return 'full';
    case 'field':
      // Protection rule 11: the groups here are the coordinator's, another team's for a field phone:
      // an anonymous point, or nothing at all when flagged.
      return g.protectionConcern ? 'none' : 'reduced';
    case 'responder':
      return 'reduced'; // exact locations need assignments to their agency (issue #4)
    case 'embassy': {
      const state = STATE_OF[account];
      const ownNationals = g.nationalities.some((n) => n.code === state);
      // Rules 1 and 9: only its own nationals' part, never the whole group.
      return ownNationals && g.consentConsulate === 'yes' && !g.protectionConcern ? 'nationals' : 'none';
    }
    case 'admin':
      return 'none';
  }
}

const VARIANTS: { name: string; input: () => GroupInput }[] = [];
for (const consent of CONSENT_VALUES) {
  for (const flag of [false, true]) {
    for (const nationality of ['NGA', 'NER', 'GHA']) {
      VARIANTS.push({
        name: `${nationality} consent=${consent} flag=${flag}`,
        input: () => makeGroupInput({ nationalities: [{ code: nationality, count: 5 }], consentConsulate: consent, protectionConcern: flag }),
      });
    }
  }
}

describe('authorization matrix', () => {
  it('covers every role and action of the permission table', () => {
    expect(new Set(ACCOUNTS.map((a) => ROLE_OF[a]))).toEqual(new Set(ROLES));
    for (const role of ROLES) for (const action of PERMISSIONS[role]) expect(ACTIONS).toContain(action);
  });

  describe.each(VARIANTS)('GET a group ($name)', ({ input }) => {
    it.each(ACCOUNTS)('answers %s as the oracle says (full, reduced, or not_found / forbidden)', async (account) => {
      const group = input();
      expectOk(await sendCommand(socketOf('coordinator'), reportCommand(group)));

      const response = await get(account, `${API_ROUTES.groups}/${group.id}`);

      const view = oracleView(account, group);
      if (!can(ROLE_OF[account], 'group.read')) {
        expect(response.status).toBe(403);
      } else if (view === 'none') {
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ ok: false, code: 'not_found', message: 'no such group in your view' });
      } else {
        expect(response.status).toBe(200);
        const body = (await response.json()) as { group: { view: string; group: Record<string, unknown> } };
        expect(body.group.view).toBe(view);
        if (view === 'reduced' || view === 'nationals') expect(body.group.group).not.toHaveProperty('nationalities');
      }
    });
  });

  describe.each(['IOM', 'OTHER'])('GET a group with a need assigned to %s', (agency) => {
    it.each(ACCOUNTS)('answers %s as the oracle says (a responder sees its own agency’s groups in full)', async (account) => {
      const group = makeGroupInput();
      const reported = expectOk(await sendCommand(socketOf('coordinator'), reportCommand(group)));
      const needId = reported.group.needs[0]?.id ?? expect.fail('the factory group has a need');
      const assignment = { id: uuidv7(), needId, agencyId: await agencyId(agency), note: '', expectedBy: null };
      expectOk(
        await sendCommand(socketOf('coordinator'), {
          type: 'assignment.create',
          commandId: uuidv7(),
          groupId: group.id,
          baseVersion: reported.group.version,
          assignment,
        }),
      );

      const response = await get(account, `${API_ROUTES.groups}/${group.id}`);

      const role = ROLE_OF[account];
      const view = role === 'responder' && agency === 'IOM' ? 'full' : oracleView(account, group);
      if (!can(role, 'group.read')) expect(response.status).toBe(403);
      else if (view === 'none') expect(response.status).toBe(404);
      else expect(((await response.json()) as { group: { view: string } }).group.view).toBe(view);
    });
  });

  describe('socket commands', () => {
    const commandsFor = async (type: Action): Promise<Command> => {
      const group = makeGroupInput();
      if (type === 'group.report') return reportCommand(group);
      const ack = expectOk(await sendCommand(socketOf('coordinator'), reportCommand(group)));
      return type === 'group.update'
        ? updateCommand(ack.group.id, ack.group.version, { notes: 'matrix' })
        : statusCommand(ack.group.id, ack.group.version, 'verified');
    };
    const COMMANDS = ['group.report', 'group.update', 'group.setStatus'] as const;
    const WORKFLOW_COMMANDS = ['group.merge', 'group.requestFollowUp', 'assignment.create', 'assignment.update'] as const;

    /** A valid command of each workflow type, on fresh groups; assignments go to `agency` (acronym). */
    async function workflowCommand(type: (typeof WORKFLOW_COMMANDS)[number], agency: string): Promise<Command> {
      const coordinator = socketOf('coordinator');
      const a = expectOk(await sendCommand(coordinator, reportCommand(makeGroupInput())));
      if (type === 'group.merge') {
        const b = expectOk(await sendCommand(coordinator, reportCommand(makeGroupInput())));
        return { type, commandId: uuidv7(), groupId: a.group.id, baseVersion: a.group.version, intoGroupId: b.group.id, intoBaseVersion: b.group.version };
      }
      if (type === 'group.requestFollowUp') {
        return { type, commandId: uuidv7(), groupId: a.group.id, baseVersion: a.group.version, userId: userIdOf('field') };
      }
      const needId = a.group.needs[0]?.id ?? expect.fail('the factory group has a need');
      const assignment = { id: uuidv7(), needId, agencyId: await agencyId(agency), note: '', expectedBy: null };
      const create: Command = { type: 'assignment.create', commandId: uuidv7(), groupId: a.group.id, baseVersion: a.group.version, assignment };
      if (type === 'assignment.create') return create;
      const created = expectOk(await sendCommand(coordinator, create));
      const version = created.group.assignments.find((x) => x.id === assignment.id)?.version ?? 1;
      return { type, commandId: uuidv7(), groupId: a.group.id, baseVersion: version, assignmentId: assignment.id, status: 'accepted' };
    }

    describe.each(COMMANDS)('%s', (type) => {
      it.each(ACCOUNTS)('is allowed or refused for %s as the table and scope say', async (account) => {
        const ack = await sendCommand(socketOf(account), await commandsFor(type));

        if (!can(ROLE_OF[account], type)) expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
        else if (type !== 'group.report' && !IN_MAIN_CRISIS(account)) expect(ack).toMatchObject({ ok: false, code: 'not_found' });
        // The group is the coordinator's: a field team edits only its own or those it follows up,
        // and holds another team's only as a point, so it is not found (as for a responder).
        else if (type === 'group.update' && ROLE_OF[account] === 'field') expect(ack).toMatchObject({ ok: false, code: 'not_found' });
        else expect(ack.ok).toBe(true);
      });
    });

    /** Whose group an edit touches: the editor's own report, another's, or another's it was asked to follow up. */
    const EDIT_SCOPES = ['own', 'other', 'followed up'] as const;
    type EditScope = (typeof EDIT_SCOPES)[number];
    const EDITORS = ACCOUNTS.filter((a) => can(ROLE_OF[a], 'group.update'));

    /** The oracle for an edit by scope, written here independently of shared/edit-scope.ts. */
    function oracleEdit(account: FixtureAccount, scope: EditScope): 'ok' | 'forbidden' | 'not_found' {
      if (scope === 'own') return 'ok';
      if (!IN_MAIN_CRISIS(account)) return 'not_found';
      if (ROLE_OF[account] === 'coordinator') return 'ok';
      if (scope === 'followed up' && account === 'field') return 'ok';
      // A field phone holds another team's group only as a point: not found, as for a responder.
      return ROLE_OF[account] === 'field' ? 'not_found' : 'forbidden';
    }

    describe.each(EDIT_SCOPES)('group.update of a group (%s)', (scope) => {
      it.each(EDITORS)('is allowed or refused for %s as the edit scope says', async (account) => {
        const reporter = scope === 'own' ? account : 'coordinator';
        const reported = expectOk(await sendCommand(socketOf(reporter), reportCommand(makeGroupInput())));
        let version = reported.group.version;
        if (scope === 'followed up') {
          const follow: Command = {
            type: 'group.requestFollowUp',
            commandId: uuidv7(),
            groupId: reported.group.id,
            baseVersion: version,
            userId: userIdOf('field'),
          };
          version = expectOk(await sendCommand(socketOf('coordinator'), follow)).group.version;
        }

        const ack = await sendCommand(socketOf(account), updateCommand(reported.group.id, version, { notes: `matrix ${scope}` }));

        const expected = oracleEdit(account, scope);
        if (expected === 'ok') expect(ack.ok).toBe(true);
        else expect(ack).toMatchObject({ ok: false, code: expected });
      });
    });

    it('covers every command type the server accepts', () => {
      expect([...COMMANDS, ...WORKFLOW_COMMANDS, ...SITE_COMMANDS, ...MOVEMENT_COMMAND_TYPES].sort()).toEqual([...COMMAND_TYPES].sort());
    });

    /** Site commands (issue 20): a valid one of each type, on a fresh site of the main crisis. */
    const SITE_COMMANDS = ['site.create', 'site.update', 'site.report'] as const;
    async function siteCommand(type: (typeof SITE_COMMANDS)[number]): Promise<Command> {
      const site = { id: uuidv7(), type: 'shelter', name: 'Matrix site', location: { lat: 32.9, lon: 13.2 }, capacity: 10, occupancy: 2 };
      const create = Command.parse({ type: 'site.create', commandId: uuidv7(), site });
      if (type === 'site.create') return create;
      const created = await sendCommand(socketOf('coordinator'), create);
      if (!created.ok || !created.site) return expect.fail('the coordinator could not create a site');
      if (type === 'site.update') return { type, commandId: uuidv7(), siteId: site.id, baseVersion: created.site.version, patch: { status: 'full' } };
      // Observed after the creation's own observation (a report must be strictly newer): in the same
      // millisecond as the creation, "now" was refused as stale about one run in four.
      const observedAt = new Date(Math.max(Date.now(), Date.parse(created.site.occupancyReportedAt ?? '') + 1 || 0)).toISOString();
      return { type, commandId: uuidv7(), siteId: site.id, report: { status: 'full', occupancy: 12, observedAt } };
    }

    describe.each(SITE_COMMANDS)('%s', (type) => {
      it.each(ACCOUNTS)('is allowed or refused for %s as the table and scope say', async (account) => {
        const ack = await sendCommand(socketOf(account), await siteCommand(type));

        if (!can(ROLE_OF[account], type)) expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
        // Another crisis's field team: the site is not in its crisis.
        else if (type !== 'site.create' && !IN_MAIN_CRISIS(account)) expect(ack).toMatchObject({ ok: false, code: 'not_found' });
        else expect(ack).toMatchObject({ ok: true });
      });
    });

    const MOVEMENT_COMMAND_TYPES = [
      'movement.create',
      'movement.update',
      'movement.addGroup',
      'movement.removeGroup',
      'movement.setLegStatus',
      'movement.checkIn',
      'movement.confirmDocuments',
    ] as const;
    type MovementType = (typeof MOVEMENT_COMMAND_TYPES)[number];

    /**
     * A valid command of each movement type on a fresh movement that IOM carries, with a verified
     * Nigerian group (consent yes) on its manifest and its leg confirmed.
     */
    async function movementCommand(type: MovementType): Promise<Command> {
      const coordinator = socketOf('coordinator');
      const legId = uuidv7();
      const input = {
        id: uuidv7(),
        kind: 'evacuation_to_origin' as const,
        mode: 'bus' as const,
        carrierAgencyId: await agencyId('IOM'),
        seats: 50,
        destinationCountry: 'NGA',
        notes: '',
        legs: [
          {
            id: legId,
            from: { siteId: null, place: { name: 'A', lat: 32, lon: 13 } },
            to: { siteId: null, place: { name: 'B', lat: 33, lon: 12 } },
            plannedDeparture: null,
            plannedArrival: null,
          },
        ],
      };
      if (type === 'movement.create') return { type, commandId: uuidv7(), movement: { ...input, id: uuidv7() } };
      const ok = (ack: CommandAck) => (ack.ok ? ack.seq : expect.fail(`setup: ${ack.ok ? '' : ack.message}`));
      ok(await sendCommand(coordinator, { type: 'movement.create', commandId: uuidv7(), movement: input }));
      const verified = async () => {
        const g = expectOk(
          await sendCommand(coordinator, reportCommand(makeGroupInput({ nationalities: [{ code: 'NGA', count: 12 }], consentConsulate: 'yes' }))),
        );
        return expectOk(await sendCommand(coordinator, statusCommand(g.group.id, g.group.version, 'verified'))).group.id;
      };
      const groupId = await verified();
      if (type === 'movement.update') return { type, commandId: uuidv7(), movementId: input.id, baseVersion: 1, patch: { notes: 'matrix' } };
      if (type === 'movement.addGroup')
        return { type, commandId: uuidv7(), movementId: input.id, baseVersion: 1, groupId, consentToMove: true, pickup: null, specialNeeds: '' };
      ok(
        await sendCommand(coordinator, {
          type: 'movement.addGroup',
          commandId: uuidv7(),
          movementId: input.id,
          baseVersion: 1,
          groupId,
          consentToMove: true,
          pickup: null,
          specialNeeds: '',
        }),
      );
      if (type === 'movement.removeGroup') return { type, commandId: uuidv7(), movementId: input.id, baseVersion: 2, groupId };
      if (type === 'movement.setLegStatus') return { type, commandId: uuidv7(), movementId: input.id, legId, status: 'confirmed' };
      if (type === 'movement.confirmDocuments') return { type, commandId: uuidv7(), movementId: input.id, groupId, status: 'confirmed' };
      ok(await sendCommand(coordinator, { type: 'movement.setLegStatus', commandId: uuidv7(), movementId: input.id, legId, status: 'confirmed' }));
      return { type, commandId: uuidv7(), movementId: input.id, groupId, state: 'checked_in' };
    }

    /** The oracle for movement commands, written here apart from the service: the table, then the carrier's and the consulate's scope. */
    function oracleMovement(account: FixtureAccount, type: MovementType): 'ok' | 'forbidden' | 'not_found' {
      if (!can(ROLE_OF[account], type)) return 'forbidden';
      if (!IN_MAIN_CRISIS(account)) return 'not_found';
      // The Nigerien consulate does not receive a movement to Nigeria of Nigerians.
      if (account === 'embassyNiger') return 'not_found';
      return 'ok';
    }

    describe.each(MOVEMENT_COMMAND_TYPES)('%s', (type) => {
      it.each(ACCOUNTS)('is allowed or refused for %s as the table and scope say', async (account) => {
        const ack = await sendCommand(socketOf(account), await movementCommand(type));
        const expected = oracleMovement(account, type);
        if (expected === 'ok') expect(ack.ok, ack.ok ? '' : ack.message).toBe(true);
        else expect(ack).toMatchObject({ ok: false, code: expected });
      });
    });

    describe.each(WORKFLOW_COMMANDS)('%s', (type) => {
      it.each(ACCOUNTS)('is allowed or refused for %s as the table and scope say', async (account) => {
        const ack = await sendCommand(socketOf(account), await workflowCommand(type, 'IOM'));

        if (!can(ROLE_OF[account], type)) expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
        // A consulate moves only its own (consular) assignments: IOM's is not in its view at all.
        else if (ROLE_OF[account] === 'embassy') expect(ack).toMatchObject({ ok: false, code: 'not_found' });
        else expect(ack.ok).toBe(true);
      });
    });

    it('refuses a responder an assignment of another agency, without saying whether it exists', async () => {
      const ack = await sendCommand(socketOf('responder'), await workflowCommand('assignment.update', 'OTHER'));

      expect(ack).toMatchObject({ ok: false, code: 'not_found' });
    });

    it.each(['embassy', 'embassyNiger'] as const)('lets %s move a consular assignment only of its own consulate', async (account) => {
      const coordinator = socketOf('coordinator');
      const input = makeGroupInput({
        nationalities: [{ code: 'NGA', count: 7 }],
        consentConsulate: 'yes',
        needs: [{ id: uuidv7(), type: 'documents', severity: 3, people: 7 }],
      });
      const reported = expectOk(await sendCommand(coordinator, reportCommand(input)));
      const assignment = { id: uuidv7(), needId: reported.group.needs[0]!.id, agencyId: await agencyId('NGA-EMB'), note: '', expectedBy: null };
      expectOk(
        await sendCommand(coordinator, { type: 'assignment.create', commandId: uuidv7(), groupId: input.id, baseVersion: reported.group.version, assignment }),
      );

      const ack = await sendCommand(socketOf(account), {
        type: 'assignment.update',
        commandId: uuidv7(),
        groupId: input.id,
        baseVersion: 1,
        assignmentId: assignment.id,
        status: 'accepted',
      });

      if (account === 'embassy') expect(ack.ok).toBe(true);
      else expect(ack).toMatchObject({ ok: false, code: 'not_found' });
    });

    it.each(ACCOUNTS)('sync is answered or forbidden for %s as the table says', async (account) => {
      const ack = await requestSync(socketOf(account), null);
      if (can(ROLE_OF[account], 'group.read')) expect(ack.ok).toBe(true);
      else expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
    });
  });

  describe('REST routes', () => {
    it.each(ACCOUNTS)('the audit log answers %s only if its role may read it', async (account) => {
      const response = await get(account, API_ROUTES.audit);
      expect(response.status).toBe(can(ROLE_OF[account], 'audit.read') ? 200 : 403);
    });

    it.each(ACCOUNTS)('aggregates answer %s only if its role may read them', async (account) => {
      const response = await get(account, API_ROUTES.aggregates);
      expect(response.status).toBe(can(ROLE_OF[account], 'aggregate.read') ? 200 : 403);
    });

    it.each(ACCOUNTS)('the aggregates export answers %s only if its role may read aggregates', async (account) => {
      const response = await get(account, API_ROUTES.aggregatesCsv);
      expect(response.status).toBe(can(ROLE_OF[account], 'aggregate.read') ? 200 : 403);
    });

    it.each(ACCOUNTS)('the consular routes answer %s only if its role has the consular view', async (account) => {
      for (const route of [CONSULAR_ROUTES.summary, CONSULAR_ROUTES.history, CONSULAR_ROUTES.evacuation]) {
        const response = await get(account, route);
        expect(response.status, route).toBe(can(ROLE_OF[account], 'consular.read') ? 200 : 403);
      }
      const csv = await get(account, CONSULAR_ROUTES.evacuationCsv);
      expect(csv.status).toBe(can(ROLE_OF[account], 'export.evacuation') ? 200 : 403);
    });

    it.each(ACCOUNTS)('the 3W export answers %s only if its role may export', async (account) => {
      const response = await get(account, COORDINATION_ROUTES.threeW);
      expect(response.status).toBe(can(ROLE_OF[account], 'export.3w') ? 200 : 403);
    });

    it.each(ACCOUNTS)('the group exports answer %s only if its role may export groups', async (account) => {
      for (const route of [EXPORT_ROUTES.groupsCsv, EXPORT_ROUTES.groupsGeoJson]) {
        const response = await get(account, route);
        expect(response.status).toBe(can(ROLE_OF[account], 'export.groups') ? 200 : 403);
      }
    });

    it.each(ACCOUNTS)('the shareable aggregate answers %s only if its role may export it', async (account) => {
      for (const route of [EXPORT_ROUTES.shareableCsv, EXPORT_ROUTES.shareableGeoJson]) {
        const response = await get(account, route);
        expect(response.status).toBe(can(ROLE_OF[account], 'export.shareable') ? 200 : 403);
      }
    });

    it.each(ACCOUNTS)('the situation report answers %s only if its role may write one', async (account) => {
      const response = await get(account, EXPORT_ROUTES.sitrep);
      expect(response.status).toBe(can(ROLE_OF[account], 'export.sitrep') ? 200 : 403);
    });

    it.each(ACCOUNTS)('the field teams answer %s only if its role may ask for follow-ups', async (account) => {
      const response = await get(account, COORDINATION_ROUTES.fieldTeams);
      expect(response.status).toBe(can(ROLE_OF[account], 'group.requestFollowUp') ? 200 : 403);
    });

    it.each(ACCOUNTS)('a group timeline answers %s only if its role may read timelines', async (account) => {
      const group = makeGroupInput();
      expectOk(await sendCommand(socketOf('coordinator'), reportCommand(group)));

      const response = await get(account, COORDINATION_ROUTES.timeline(group.id));

      expect(response.status).toBe(can(ROLE_OF[account], 'group.timeline') ? 200 : 403);
    });

    const ADMIN_ROUTES: { method: string; path: (id: string) => string; body?: () => unknown }[] = [
      { method: 'GET', path: () => '/overview' },
      { method: 'POST', path: () => '/users', body: () => ({}) },
      { method: 'POST', path: () => '/agencies', body: () => ({}) },
      { method: 'POST', path: (id) => `/users/${id}/end-sessions` },
      { method: 'POST', path: (id) => `/users/${id}/enable` },
      { method: 'POST', path: (id) => `/users/${id}/password`, body: () => ({ password: 'fixture-password-1' }) },
      { method: 'PUT', path: (id) => `/users/${id}/scope`, body: () => ({ role: 'field', agency: null, crisisId: server.crisisId }) },
    ];

    it.each(ACCOUNTS)('every admin route answers %s as the table says', async (account) => {
      // A throwaway user as the target, so ending its sessions disturbs no other test.
      const target = `matrix-${account.toLowerCase()}`;
      const created = await fetch(`${server.url}${API_ROUTES.admin}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookies.get('admin') ?? '', ...ownOrigin(server.url) },
        body: JSON.stringify({ username: target, password: 'a long passphrase', role: 'field', displayName: 'Matrix', crisisId: server.crisisId }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      for (const route of ADMIN_ROUTES) {
        const response = await fetch(`${server.url}${API_ROUTES.admin}${route.path(id)}`, {
          method: route.method,
          headers: { 'content-type': 'application/json', cookie: cookies.get(account) ?? '', ...ownOrigin(server.url) },
          ...(route.body === undefined ? {} : { body: JSON.stringify(route.body()) }),
        });
        if (can(ROLE_OF[account], 'admin.manage')) expect([200, 201, 400], `${route.method} ${route.path(id)}`).toContain(response.status);
        else expect(response.status, `${route.method} ${route.path(id)}`).toBe(403);
      }
    });
  });
});
