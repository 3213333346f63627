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
  const crisis = admin.createCrisis({ name: 'c', type: 'conflict', hostCountry: 'LBY', phase: 'preparedness', area: [9, 19, 25, 33] });
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
    expect(repos.sessions.findById(result.token)).toBeNull();
    expect(repos.sessions.findById(sessionIdOf(result.token))).not.toBeNull();
  });

  it('touches a session at most once a minute', async () => {
    const { auth, repos, clock } = await setUp();
    const result = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!result.ok) throw new Error('sign-in failed');
    const signedInAt = repos.sessions.findById(result.sessionId)?.lastSeenAtMs ?? 0;

    clock.advance(30_000);
    auth.resolveSession(result.sessionId);
    expect(repos.sessions.findById(result.sessionId)?.lastSeenAtMs).toBe(signedInAt);

    clock.advance(31_000);
    auth.resolveSession(result.sessionId);
    expect(repos.sessions.findById(result.sessionId)?.lastSeenAtMs).toBe(signedInAt + 61_000);
  });

  it('deletes an expired session when it is presented', async () => {
    const { auth, repos, clock } = await setUp();
    const result = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!result.ok) throw new Error('sign-in failed');

    clock.advance(31 * MINUTE);

    expect(auth.resolveSession(result.sessionId)).toBeNull();
    expect(repos.sessions.findById(result.sessionId)).toBeNull();
  });

  it('refuses a disabled account like a wrong password, and ends its open sessions', async () => {
    const { auth, db } = await setUp();
    const open = await auth.signIn({ username: 'amal', password: 'long enough password' });
    if (!open.ok) throw new Error('sign-in failed');
    db.prepare("UPDATE users SET disabled = 1 WHERE username = 'amal'").run();

    expect(await auth.signIn({ username: 'amal', password: 'long enough password' })).toEqual({ ok: false, code: 'unauthorized' });
    expect(auth.resolveSession(open.sessionId)).toBeNull();
  });

  it('tells a consulate user’s audience which state it serves', async () => {
    const { repos, auth } = await setUp();
    const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
    const crisisId = repos.crises.list()[0]?.id ?? null;
    admin.createAgency({ name: 'Embassy of Niger', acronym: 'NER-EMB', type: 'consulate', servesState: 'NER' });
    await admin.createUser({ username: 'consul', password: 'long enough password', role: 'embassy', displayName: 'C', agency: 'NER-EMB', crisisId });
    const user = repos.users.findByUsername('consul');
    if (!user) throw new Error('no user');

    expect(auth.audienceOf(user)).toMatchObject({ role: 'embassy', servesState: 'NER', crisisId });
  });
});
