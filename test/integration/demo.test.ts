import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_GROUP_COUNT, DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../../server/seed/demo-seed';
import { DEMO_SITE_COUNT } from '../../server/seed/demo-sites';
import { embassyMaySee } from '../../shared/projection';
import { ROLES } from '../../shared/schemas/user.schema';
import { isActiveAssignment } from '../../shared/assignment-workflow';
import { AgencyList, COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import { connectUser, expectSnapshot, requestSync, signIn } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(async () => {
  await server.destroy();
});

describe(seedDemo.name, () => {
  it('offers one demo account per role, all with the demo password', () => {
    for (const role of ROLES) expect(server.accounts[role]).toEqual({ username: DEMO_USERS[role], password: DEMO_PASSWORD });
  });

  it('shows each role the demo crisis as its projection allows', async () => {
    const [coordinator, responder, embassy, admin] = await Promise.all([
      connectUser(server.url, server.accounts.coordinator),
      connectUser(server.url, server.accounts.responder),
      connectUser(server.url, server.accounts.embassy),
      connectUser(server.url, server.accounts.admin),
    ]);
    const full = expectSnapshot(await requestSync(coordinator, null));
    const reduced = expectSnapshot(await requestSync(responder, null));
    const cookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
    const agencies = AgencyList.parse(await (await fetch(`${server.url}${COORDINATION_ROUTES.agencies}`, { headers: { cookie } })).json()).agencies;
    const responderAgency = agencies.find((a) => a.acronym === 'IOM')?.id;
    const consular = expectSnapshot(await requestSync(embassy, null));

    expect(full.crisis).toMatchObject({ isDemo: true, name: expect.stringMatching(/DEMO.*synthetic/) });
    // One logged change per demo group and per demo site.
    expect(full.seq).toBe(DEMO_GROUP_COUNT + DEMO_SITE_COUNT);
    expect(full.sites).toHaveLength(DEMO_SITE_COUNT);
    expect(full.groups).toHaveLength(DEMO_GROUP_COUNT);
    expect(full.groups.every((v) => v.view === 'full')).toBe(true);
    expect(reduced.groups).toHaveLength(DEMO_GROUP_COUNT);
    // The demo responder (IOM) sees in full exactly the groups where IOM has open work, and has some.
    const iomWork = new Set(
      full.groups.flatMap((v) =>
        v.view === 'full' && v.group.assignments.some((a) => a.agencyId === responderAgency && isActiveAssignment(a.status)) ? [v.group.id] : [],
      ),
    );
    expect(iomWork.size).toBeGreaterThan(0);
    for (const v of reduced.groups) expect(v.view, v.group.id).toBe(iomWork.has(v.group.id) ? 'full' : 'reduced');
    const visibleToEmbassy = full.groups.filter((v) => v.view === 'full' && embassyMaySee(v.group, 'NGA')).map((v) => v.group.id);
    expect(consular.groups.map((v) => v.group.id).sort()).toEqual(visibleToEmbassy.sort());
    expect(consular.groups.length).toBeGreaterThan(0);
    expect(await requestSync(admin, null)).toMatchObject({ ok: false, code: 'forbidden' });
    for (const socket of [coordinator, responder, embassy, admin]) socket.close();
  });

  it('is not seeded again when the server restarts on the same file', async () => {
    await server.restart();
    const coordinator = await connectUser(server.url, server.accounts.coordinator);

    expect(expectSnapshot(await requestSync(coordinator, null)).groups).toHaveLength(DEMO_GROUP_COUNT);
    expect(await server.countRows('crises')).toBe(1);
    coordinator.close();
  });
});
