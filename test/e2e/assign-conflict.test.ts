import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { isActiveAssignment } from '../../shared/assignment-workflow';
import { connectUser, expectOk, expectSnapshot, requestSync, sendCommand, updateCommand } from '../support/clients';
import { agencyValue, ARTIFACTS, browserSuite, signIn, openFilters } from './suite';

// Two coordinators open the same group. A hands its water need to IOM; B, whose assign form was
// opened before A saved, hands the same need to UNICEF. B's save comes back as a conflict that
// shows both versions side by side; B keeps theirs, and the need has exactly one open assignment.

/** Narrows the triage queue to unassigned water needs, the way a coordinator would. */
async function filterUnassignedWater(page: Page): Promise<void> {
  await openFilters(page);
  await page.getByTestId('filter-need').selectOption('water');
  await page.getByTestId('filter-unassigned').check();
  await expect.poll(() => new URL(page.url()).searchParams.get('need')).toBe('water');
}

const detailsOf = (page: Page, groupId: string) => page.getByTestId('group-details').and(page.locator(`[data-group-id="${groupId}"]`));
const waterRow = (details: Locator) => details.locator('[data-testid="need-row"][data-need="water"]');

describe('coordination: two coordinators assign the same need at once', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });
  const open = suite.open;

  it("shows the second coordinator both versions and keeps the first one's assignment when asked", async () => {
    const first = await open('coordinator-a');
    const second = await open('coordinator-b');
    await Promise.all([
      signIn(first.page, suite.server.url, suite.server.accounts.coordinator),
      signIn(second.page, suite.server.url, suite.server.accounts.coordinator),
    ]);
    const a = first.page;
    const b = second.page;

    // Both open the same group with an unassigned water need.
    await Promise.all([filterUnassignedWater(a), filterUnassignedWater(b)]);
    const top = a.getByTestId('triage-row').first();
    const groupId = (await top.getAttribute('data-group-id')) ?? expect.fail('no group id');
    await top.click();
    await b.locator(`[data-testid="triage-row"][data-group-id="${groupId}"]`).click();
    const aWater = waterRow(detailsOf(a, groupId));
    const bWater = waterRow(detailsOf(b, groupId));

    // B opens the form and chooses UNICEF, but has not saved yet.
    await bWater.getByTestId('assign-open').click();
    await bWater.getByTestId('assign-agency').selectOption(await agencyValue(bWater, 'UNICEF'));
    await bWater.getByLabel(en['assign.note'], { exact: true }).fill('two tankers from Misrata');

    // A assigns the water to IOM; B's screen shows it live, with B's form still open.
    await aWater.getByTestId('assign-open').click();
    const iom = await agencyValue(aWater, 'IOM');
    await aWater.getByTestId('assign-agency').selectOption(iom);
    await aWater.getByTestId('assign-submit').click();
    await aWater.locator('[data-testid="assignment"][data-status="proposed"]').waitFor();
    await bWater.locator('[data-testid="assignment"][data-status="proposed"]').waitFor();
    expect(await bWater.getByTestId('assign-agency').inputValue()).toBe(await agencyValue(bWater, 'UNICEF'));

    // B saves: refused as a conflict, both versions side by side, nothing overwritten.
    await bWater.getByTestId('assign-submit').click();
    const conflict = b.getByTestId('assign-outcome').getByTestId('assign-conflict');
    await conflict.waitFor();
    expect(await conflict.getAttribute('role')).toBe('alert');
    expect(await b.getByTestId('assign-outcome').getAttribute('aria-live')).toBe('polite');
    const yours = conflict.getByTestId('conflict-yours');
    const theirs = conflict.getByTestId('conflict-theirs');
    await yours.getByRole('heading', { name: en['assign.conflict.yours'], exact: true }).waitFor();
    expect(await yours.textContent()).toContain('UNICEF');
    expect(await yours.textContent()).toContain('two tankers from Misrata');
    expect(await yours.textContent()).toContain(en['need.water']);
    expect(await theirs.textContent()).toContain('IOM');
    expect(await theirs.textContent()).toContain(en['assign.status.proposed']);
    expect(await theirs.textContent()).toContain(en['needStatus.assigned']);
    expect(await theirs.textContent()).not.toContain('UNICEF');
    // The need has open work: "assign anyway" is not offered, and the screen says why.
    expect(await conflict.getByRole('button', { name: en['assign.conflict.assignAnyway'], exact: true }).count()).toBe(0);
    expect(await conflict.getByTestId('conflict-blocked').textContent()).toBe(en['assign.conflict.blockedOpen']);
    await conflict.scrollIntoViewIfNeeded();
    await b.screenshot({ path: path.join(ARTIFACTS, 'assign-conflict.png') });

    // B keeps theirs: the conflict and B's form go, and IOM's assignment stands alone.
    await conflict.getByRole('button', { name: en['assign.conflict.keepTheirs'], exact: true }).click();
    await conflict.waitFor({ state: 'detached' });
    await bWater.getByTestId('assign-agency').waitFor({ state: 'detached' });
    for (const water of [aWater, bWater]) {
      const assignments = water.getByTestId('assignment');
      await expect.poll(() => assignments.count()).toBe(1);
      expect(await assignments.first().textContent()).toContain('IOM');
    }

    // The server agrees: exactly one open assignment of that need, IOM's.
    const socket = await connectUser(suite.server.url, suite.server.accounts.coordinator);
    try {
      const view = expectSnapshot(await requestSync(socket, null)).groups.find((g) => g.group.id === groupId) ?? expect.fail('group gone');
      if (view.view !== 'full') return expect.fail('coordinator sees a reduced group');
      const need = view.group.needs.find((n) => n.type === 'water') ?? expect.fail('no water need');
      const open = view.group.assignments.filter((x) => x.needId === need.id && isActiveAssignment(x.status));
      expect(open).toHaveLength(1);
      expect(open[0]!.agencyId).toBe(iom);
      expect(need.status).toBe('assigned');
    } finally {
      socket.close();
    }
    suite.assertClean();
  });

  it('offers to assign anyway on the current version when the group changed but the need is still open', async () => {
    const coordinator = await open('coordinator-c');
    const c = coordinator.page;
    await signIn(c, suite.server.url, suite.server.accounts.coordinator);
    await filterUnassignedWater(c);
    const top = c.getByTestId('triage-row').first();
    const groupId = (await top.getAttribute('data-group-id')) ?? expect.fail('no group id');
    await top.click();
    const water = waterRow(detailsOf(c, groupId));
    await water.getByTestId('assign-open').click();
    const wfp = await agencyValue(water, 'WFP');
    await water.getByTestId('assign-agency').selectOption(wfp);

    // Meanwhile someone else edits the group's notes: a new version, the need untouched.
    const socket = await connectUser(suite.server.url, suite.server.accounts.coordinator);
    try {
      const before = expectSnapshot(await requestSync(socket, null)).groups.find((g) => g.group.id === groupId) ?? expect.fail('group gone');
      expectOk(await sendCommand(socket, updateCommand(groupId, before.group.version, { notes: 'Road to the site open again' })));

      await water.getByTestId('assign-submit').click();
      const conflict = c.getByTestId('assign-outcome').getByTestId('assign-conflict');
      await conflict.waitFor();
      expect(await conflict.getByTestId('conflict-yours').textContent()).toContain('WFP');
      const theirs = await conflict.getByTestId('conflict-theirs').textContent();
      expect(theirs).toContain(en['assign.conflict.noOpen']);
      expect(theirs).toContain(`(version ${before.group.version + 1})`);
      expect(await conflict.getByTestId('conflict-blocked').count()).toBe(0);

      await conflict.getByRole('button', { name: en['assign.conflict.assignAnyway'], exact: true }).click();
      await conflict.waitFor({ state: 'detached' });
      await water.locator('[data-testid="assignment"][data-status="proposed"]').filter({ hasText: 'WFP' }).waitFor();
      await water.getByTestId('assign-agency').waitFor({ state: 'detached' });

      const after = expectSnapshot(await requestSync(socket, null)).groups.find((g) => g.group.id === groupId) ?? expect.fail('group gone');
      if (after.view !== 'full') return expect.fail('coordinator sees a reduced group');
      expect(after.group.notes).toBe('Road to the site open again');
      const need = after.group.needs.find((n) => n.type === 'water') ?? expect.fail('no water need');
      const open = after.group.assignments.filter((x) => x.needId === need.id && isActiveAssignment(x.status));
      expect(open.map((x) => x.agencyId)).toEqual([wfp]);
    } finally {
      socket.close();
    }
    coordinator.assertClean();
  });
});
