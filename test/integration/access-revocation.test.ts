import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { UserSummary } from '../../shared/schemas/admin.schema';
import {
  ownOrigin,
  connectAs,
  disconnection,
  expectOk,
  handshakeRefusal,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  type ClientSocket,
} from '../support/clients';
import { sessionIdOf } from '../../server/services/auth.service';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let adminCookie: string;

beforeAll(async () => {
  server = await startTestServer();
  adminCookie = await signIn(server.url, server.accounts.admin.username, server.accounts.admin.password);
});
afterAll(async () => {
  await server.destroy();
});

const adminPost = (path: string, body: unknown = {}, cookie = adminCookie, method = 'POST') =>
  fetch(`${server.url}${API_ROUTES.admin}${path}`, {
    method,
    headers: { 'content-type': 'application/json', cookie, ...ownOrigin(server.url) },
    body: JSON.stringify(body),
  });

async function userId(username: string): Promise<string> {
  const response = await fetch(`${server.url}${API_ROUTES.admin}/overview`, { headers: { cookie: adminCookie } });
  const users = UserSummary.array().parse(((await response.json()) as { users: unknown }).users);
  const user = users.find((u) => u.username === username);
  if (!user) throw new Error(`no user ${username}`);
  return user.id;
}

async function threeSockets(username: string, password: string): Promise<{ cookies: string[]; sockets: ClientSocket[] }> {
  const cookies = await Promise.all([0, 1, 2].map(() => signIn(server.url, username, password)));
  const sockets = await Promise.all(cookies.map((c) => connectAs(server.url, c)));
  return { cookies, sockets };
}

describe('revoking access closes every open connection of the user', () => {
  it('disabling a user with three open sockets closes all three, and neither reconnecting nor signing in works', async () => {
    const { username, password } = server.accounts.field;
    const { cookies, sockets } = await threeSockets(username, password);
    const closed = Promise.all(sockets.map(disconnection));

    const response = await adminPost(`/users/${await userId(username)}/disable`);

    expect(response.status).toBe(200);
    expect(UserSummary.parse(await response.json()).disabled).toBe(true);
    expect(await closed).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect']);
    for (const cookie of cookies) expect(await handshakeRefusal(server.url, cookie)).toBe('unauthorized');
    await expect(signIn(server.url, username, password)).rejects.toThrow(/401/);

    expect((await adminPost(`/users/${await userId(username)}/enable`)).status).toBe(200);
    await expect(signIn(server.url, username, password)).resolves.toMatch(/^waymark_session=/);
  });

  it('ending a user sessions closes their sockets and their cookies stop working', async () => {
    const { username, password } = server.accounts.responder;
    const { cookies, sockets } = await threeSockets(username, password);
    const closed = Promise.all(sockets.map(disconnection));

    const response = await adminPost(`/users/${await userId(username)}/end-sessions`);

    expect(await response.json()).toEqual({ ended: 3 });
    await closed;
    for (const cookie of cookies) expect(await handshakeRefusal(server.url, cookie)).toBe('unauthorized');
  });

  it('changing a user role closes their sockets; a new connection gets the new role', async () => {
    const { username, password } = server.accounts.coordinator;
    const { cookies, sockets } = await threeSockets(username, password);
    const closed = Promise.all(sockets.map(disconnection));

    const response = await adminPost(`/users/${await userId(username)}/scope`, { role: 'field', agency: null, crisisId: server.crisisId }, adminCookie, 'PUT');

    expect(response.status).toBe(200);
    await closed;
    const again = await connectAs(server.url, cookies[0] ?? '');
    expect((await requestSync(again, null)).ok).toBe(true);
    again.close();
    await adminPost(`/users/${await userId(username)}/scope`, { role: 'coordinator', agency: null, crisisId: server.crisisId }, adminCookie, 'PUT');
  });

  it('resetting a password ends the user sessions and only the new password signs in', async () => {
    const { username, password } = server.fixtureAccounts.embassyNiger ?? server.accounts.embassy;
    const { sockets } = await threeSockets(username, password);
    const closed = Promise.all(sockets.map(disconnection));

    const response = await adminPost(`/users/${await userId(username)}/password`, { password: 'a brand new passphrase' });

    expect(response.status).toBe(200);
    await closed;
    await expect(signIn(server.url, username, password)).rejects.toThrow(/401/);
    await expect(signIn(server.url, username, 'a brand new passphrase')).resolves.toMatch(/^waymark_session=/);
  });

  it('a user disabled by the admin command (another process) is cut off by the server within a second', async () => {
    const { username, password } = server.accounts.embassy;
    const { sockets } = await threeSockets(username, password);
    const closed = Promise.all(sockets.map(disconnection));
    const db = openDatabase(server.databaseFile);
    try {
      // No callback: like the admin command, this service cannot reach the server's sockets.
      await new AdminService(createRepositories(db)).setDisabled(username, true);
      const started = Date.now();
      await closed;
      expect(Date.now() - started).toBeLessThan(2500);
      await new AdminService(createRepositories(db)).setDisabled(username, false);
    } finally {
      db.close();
    }
  });

  it('a session ended by another process between two commands on one socket: the second is refused and not applied', async () => {
    const { username, password } = server.accounts.field;
    const cookie = await signIn(server.url, username, password);
    const socket = await connectAs(server.url, cookie);
    const closed = disconnection(socket);
    const db = openDatabase(server.databaseFile);
    try {
      expectOk(await sendCommand(socket, reportCommand()));
      const groups = await server.countRows('groups');
      // Like `admin end-sessions`: straight in the database, no callback to this server's sockets,
      // and before its periodic sweep can have noticed (the command follows at once).
      await createRepositories(db).sessions.delete(sessionIdOf(cookie.slice(cookie.indexOf('=') + 1)));

      const second = await sendCommand(socket, reportCommand()).catch(() => null);

      // Refused in the batch's own transaction (or, had the sweep come first, the socket was closed).
      if (second !== null) expect(second).toMatchObject({ ok: false, code: 'unauthorized' });
      expect(await closed).toBe('io server disconnect');
      expect(await server.countRows('groups')).toBe(groups);
    } finally {
      db.close();
    }
  });

  it('a user disabled by another process between two commands: the second is refused and not applied', async () => {
    const { username, password } = server.accounts.field;
    const socket = await connectAs(server.url, await signIn(server.url, username, password));
    const closed = disconnection(socket);
    const db = openDatabase(server.databaseFile);
    try {
      expectOk(await sendCommand(socket, reportCommand()));
      const groups = await server.countRows('groups');
      await new AdminService(createRepositories(db)).setDisabled(username, true);

      const second = await sendCommand(socket, reportCommand()).catch(() => null);

      if (second !== null) expect(second).toMatchObject({ ok: false, code: 'unauthorized' });
      expect(await closed).toBe('io server disconnect');
      expect(await server.countRows('groups')).toBe(groups);
    } finally {
      await new AdminService(createRepositories(db)).setDisabled(username, false);
      db.close();
    }
  });

  it('refuses every admin route to a non-admin with forbidden, and to nobody with unauthorized', async () => {
    const coordinator = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
    const target = await userId(server.accounts.field.username);

    const asCoordinator = await adminPost(`/users/${target}/disable`, {}, coordinator);
    const anonymous = await adminPost(`/users/${target}/disable`, {}, '');

    expect(asCoordinator.status).toBe(403);
    expect(await asCoordinator.json()).toMatchObject({ ok: false, code: 'forbidden' });
    expect(anonymous.status).toBe(401);
    expect((await adminPost('/users/00000000-0000-7000-8000-000000000000/disable')).status).toBe(404);
  });
});
