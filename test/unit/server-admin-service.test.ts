import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { AdminForbiddenError, AdminInputError, AdminNotFoundError, AdminService, type AdminActor } from '../../server/services/admin.service';
import { ROLES } from '../../shared/schemas/user.schema';

async function setUp() {
  const repos = createRepositories(openDatabase(':memory:'));
  const revoked: string[] = [];
  const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 }, onAccessRevoked: (id) => revoked.push(id) });
  const crisis = await admin.createCrisis({ name: 'c', type: 'conflict', hostCountry: 'LBY', phase: 'preparedness', area: [9, 19, 25, 33] });
  const user = await admin.createUser({ username: 'amal', password: 'long enough password', role: 'field', displayName: 'Amal', crisisId: crisis.id });
  const boss = await admin.createUser({ username: 'boss', password: 'long enough password', role: 'admin', displayName: 'Boss' });
  return { repos, admin, crisis, user, boss, revoked };
}

describe(AdminService.name, () => {
  it.each(ROLES.filter((r) => r !== 'admin'))('refuses a %s every admin operation before touching anything', async (role) => {
    const { admin, user, repos } = await setUp();
    const actor: AdminActor = { userId: user.id, role };
    const auditBefore = (await repos.audit.recent(1000)).length;

    const attempts: (() => Promise<unknown>)[] = [
      () => admin.list(actor),
      () => admin.createAgency({ name: 'A', acronym: 'A', type: 'ingo' }, actor),
      () => admin.createCrisis({ name: 'x', type: 'conflict', hostCountry: 'LBY', phase: 'preparedness', area: [9, 19, 25, 33] }, actor),
      () => admin.setDisabled(user.id, true, actor),
      () => admin.endSessions(user.id, actor),
      () => admin.changeScope(user.id, { role: 'coordinator', crisisId: user.crisisId }, actor),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(AdminForbiddenError);
    await expect(admin.createUser({ username: 'x1', password: 'long enough password', role: 'admin', displayName: 'X' }, actor)).rejects.toThrow(
      AdminForbiddenError,
    );
    await expect(admin.resetPassword(user.id, 'another long password', actor)).rejects.toThrow(AdminForbiddenError);
    // Even a request for an unknown user is refused as forbidden, never as "not found".
    await expect(admin.setDisabled('nobody', true, actor)).rejects.toThrow(AdminForbiddenError);
    expect(await repos.audit.recent(1000)).toHaveLength(auditBefore);
  });

  it('disables a user, ends their sessions, audits who did it and signals the server after the commit', async () => {
    const { admin, user, boss, repos, revoked } = await setUp();
    await repos.sessions.insert({ id: 's1', userId: user.id, createdAtMs: 0, lastSeenAtMs: 0 });

    const result = await admin.setDisabled('amal', true, { userId: boss.id, role: 'admin' });

    expect(result.disabled).toBe(true);
    expect(await repos.sessions.findById('s1')).toBeNull();
    expect(revoked).toEqual([user.id]);
    expect((await repos.audit.recent(1))[0]).toMatchObject({ userId: boss.id, role: 'admin', action: 'admin.disable_user', recordId: user.id });
  });

  it('refuses an admin disabling their own account, and names no user that does not exist', async () => {
    const { admin, boss } = await setUp();
    const actor: AdminActor = { userId: boss.id, role: 'admin' };

    await expect(admin.setDisabled(boss.id, true, actor)).rejects.toThrow(AdminInputError);
    await expect(admin.endSessions('nobody', actor)).rejects.toThrow(AdminNotFoundError);
  });

  it('refuses a role change that does not fit the agency, and changes nothing', async () => {
    const { admin, user, repos, revoked } = await setUp();

    await expect(admin.changeScope(user.id, { role: 'embassy', crisisId: user.crisisId })).rejects.toThrow(/needs an agency/);
    expect((await repos.users.findById(user.id))?.role).toBe('field');
    expect(revoked).toEqual([]);
  });
});
