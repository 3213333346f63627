import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { AuthService, sessionIdOf } from '../../server/services/auth.service';

const MINUTE = 60_000;
const policy = { idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE };

async function setUp() {
  const db = openDatabase(':memory:');
  const repos = createRepositories(db);
  const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
  const crisis = await admin.createCrisis({ name: 'c', type: 'conflict', hostCountry: 'LBY', phase: 'preparedness', area: [9, 19, 25, 33] });
  await admin.createUser({ username: 'amal', password: 'long enough password', role: 'field', displayName: 'Amal', crisisId: crisis.id });
  let now = Date.UTC(2026, 0, 1);
  const clock = {
    advance: (ms: number) => {
      now += ms;
    },
  };
  return { db, repos, auth: new AuthService(repos, policy, () => now), clock };
}

describe(AuthService.name, () => {
  it('stores only the SHA-256 of the session token', async () => {
    const { auth, repos } = await setUp();
    const result = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!result.ok) throw new Error('sign-in failed');

    expect(result.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(await repos.sessions.findById(result.token)).toBeNull();
    expect(await repos.sessions.findById(sessionIdOf(result.token))).not.toBeNull();
  });

  it('touches a session at most once a minute', async () => {
    const { auth, repos, clock } = await setUp();
    const result = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!result.ok) throw new Error('sign-in failed');
    const signedInAt = (await repos.sessions.findById(result.sessionId))?.lastSeenAtMs ?? 0;

    clock.advance(30_000);
    await auth.resolveSession(result.sessionId);
    expect((await repos.sessions.findById(result.sessionId))?.lastSeenAtMs).toBe(signedInAt);

    clock.advance(31_000);
    await auth.resolveSession(result.sessionId);
    expect((await repos.sessions.findById(result.sessionId))?.lastSeenAtMs).toBe(signedInAt + 61_000);
  });

  it('deletes an expired session when it is presented', async () => {
    const { auth, repos, clock } = await setUp();
    const result = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!result.ok) throw new Error('sign-in failed');

    clock.advance(31 * MINUTE);

    expect(await auth.resolveSession(result.sessionId)).toBeNull();
    expect(await repos.sessions.findById(result.sessionId)).toBeNull();
  });

  it('refuses a disabled account like a wrong password, and ends its open sessions', async () => {
    const { auth, db } = await setUp();
    const open = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!open.ok) throw new Error('sign-in failed');
    db.prepare("UPDATE users SET disabled = 1 WHERE username = 'amal'").run();

    expect(await auth.signIn({ username: 'amal', password: 'long enough password' })).toEqual({ ok: false, code: 'unauthorized' });
    expect(await auth.resolveSession(open.sessionId)).toBeNull();
  });

  it('tells a consulate user’s audience which state it serves', async () => {
    const { repos, auth } = await setUp();
    const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
    const crisisId = (await repos.crises.list())[0]?.id ?? null;
    await admin.createAgency({ name: 'Embassy of Niger', acronym: 'NER-EMB', type: 'consulate', servesState: 'NER' });
    await admin.createUser({ username: 'consul', password: 'long enough password', role: 'embassy', displayName: 'C', agency: 'NER-EMB', crisisId });
    const user = await repos.users.findByUsername('consul');
    if (!user) throw new Error('no user');

    expect(await auth.audienceOf(user)).toMatchObject({ role: 'embassy', servesState: 'NER', crisisId });
  });
});

describe('checking live connections without a read per command', () => {
  it('reads every connection’s session and user in one query; an ended session is missing', async () => {
    const { auth, repos } = await setUp();
    const first = await auth.signIn({ username: 'amal', password: 'long enough password' });
    const second = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!first.ok || !second.ok) throw new Error('sign-in failed');
    const user = await repos.users.findByUsername('amal');
    if (!user) throw new Error('no user');
    const audience = await auth.audienceOf(user);
    await repos.sessions.delete(second.sessionId);

    const live = await auth.liveConnections([first.sessionId, second.sessionId, 'never-existed']);

    expect([...live.keys()]).toEqual([first.sessionId]);
    expect(auth.connectionMatches(live.get(first.sessionId), audience)).toBe(true);
    expect(auth.connectionMatches(live.get(second.sessionId), audience)).toBe(false);
    expect(await auth.connectionStillValid(first.sessionId, audience)).toBe(true);
    expect(await auth.connectionStillValid(second.sessionId, audience)).toBe(false);
  });

  it('refuses a connection whose user was disabled or is no longer who it was opened as', async () => {
    const { auth, repos, db } = await setUp();
    const open = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!open.ok) throw new Error('sign-in failed');
    const user = await repos.users.findByUsername('amal');
    if (!user) throw new Error('no user');
    const audience = await auth.audienceOf(user);

    expect(auth.connectionMatches((await auth.liveConnections([open.sessionId])).get(open.sessionId), { ...audience, role: 'coordinator' })).toBe(false);
    expect(auth.connectionMatches((await auth.liveConnections([open.sessionId])).get(open.sessionId), { ...audience, servesState: 'NER' })).toBe(false);
    db.prepare("UPDATE users SET disabled = 1 WHERE username = 'amal'").run();
    expect(auth.connectionMatches((await auth.liveConnections([open.sessionId])).get(open.sessionId), audience)).toBe(false);
  });

  it('matches a consulate user’s served state from the same query', async () => {
    const { repos, auth } = await setUp();
    const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
    const crisisId = (await repos.crises.list())[0]?.id ?? null;
    await admin.createAgency({ name: 'Embassy of Niger', acronym: 'NER-EMB', type: 'consulate', servesState: 'NER' });
    await admin.createUser({ username: 'consul', password: 'long enough password', role: 'embassy', displayName: 'C', agency: 'NER-EMB', crisisId });
    const open = await auth.signIn({ username: 'consul', password: 'long enough password' });
    const user = await repos.users.findByUsername('consul');
    if (!open.ok || !user) throw new Error('sign-in failed');
    const audience = await auth.audienceOf(user);

    const state = (await auth.liveConnections([open.sessionId])).get(open.sessionId);
    expect(auth.connectionMatches(state, audience)).toBe(true);
    expect(auth.connectionMatches(state, { ...audience, servesState: 'NGA' })).toBe(false);
  });

  it('trusts what a connection knows until its session is due for a touch or past a limit', async () => {
    const { auth, clock } = await setUp();
    const open = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!open.ok) throw new Error('sign-in failed');
    const session = await auth.resolveSession(open.sessionId);
    if (!session) throw new Error('no session');
    const known = { createdAtMs: session.createdAtMs, lastSeenAtMs: session.lastSeenAtMs };

    expect(auth.knownStillFresh(known)).toBe(true);
    clock.advance(59_000);
    expect(auth.knownStillFresh(known)).toBe(true);
    clock.advance(1_000);
    expect(auth.knownStillFresh(known)).toBe(false); // due for a touch: read the session again
    const again = await auth.resolveSession(open.sessionId);
    expect(again?.lastSeenAtMs).toBe(known.lastSeenAtMs + 60_000);
    expect(auth.knownStillFresh({ createdAtMs: known.createdAtMs, lastSeenAtMs: again?.lastSeenAtMs ?? 0 })).toBe(true);
    expect(auth.knownStillFresh({ createdAtMs: known.createdAtMs - 12 * 60 * MINUTE, lastSeenAtMs: again?.lastSeenAtMs ?? 0 })).toBe(false);
  });
});
