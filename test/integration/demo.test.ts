import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_GROUP_COUNT, DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../../server/seed/demo-seed';
import { embassyMaySee } from '../../shared/projection';
import { ROLES } from '../../shared/schemas/user.schema';
import { connectUser, expectSnapshot, requestSync } from '../support/clients';
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
    const consular = expectSnapshot(await requestSync(embassy, null));

    expect(full.crisis).toMatchObject({ isDemo: true, name: expect.stringMatching(/DEMO.*synthetic/) });
    expect(full.seq).toBe(DEMO_GROUP_COUNT);
    expect(full.groups).toHaveLength(DEMO_GROUP_COUNT);
    expect(full.groups.every((v) => v.view === 'full')).toBe(true);
    expect(reduced.groups).toHaveLength(DEMO_GROUP_COUNT);
    expect(reduced.groups.every((v) => v.view === 'reduced')).toBe(true);
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
