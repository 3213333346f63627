import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { AgencyList } from '../../shared/schemas/coordination.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand, signIn as signInApi } from '../support/clients';
import { browserSuite, signIn } from './suite';

// A responder's work row carries its main step: accept what is proposed, then complete it with
// the people reached, without opening the group's details.

describe('responder: the work row carries its main action', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it('accepts a proposed need and completes it with the people reached, from the row', async () => {
    const coordinator = await connectUser(suite.server.url, suite.server.accounts.coordinator);
    try {
      const cookie = await signInApi(suite.server.url, suite.server.accounts.coordinator.username, suite.server.accounts.coordinator.password);
      const agencies = AgencyList.parse(await (await fetch(`${suite.server.url}/api/agencies`, { headers: { cookie } })).json()).agencies;
      const iom = agencies.find((a) => a.acronym === 'IOM')?.id ?? expect.fail('no IOM');
      const place = `Row action test ${Date.now()}`;
      const reported: Group = expectOk(
        await sendCommand(
          coordinator,
          reportCommand(makeGroupInput({ location: { lat: 32.89, lon: 13.19, accuracyM: 5, placeName: place, siteType: 'other' } })),
        ),
      ).group;
      const assignmentId = uuidv7();
      expectOk(
        await sendCommand(coordinator, {
          type: 'assignment.create',
          commandId: uuidv7(),
          groupId: reported.id,
          baseVersion: reported.version,
          assignment: { id: assignmentId, needId: reported.needs[0]!.id, agencyId: iom, note: '', expectedBy: null },
        }),
      );

      const { page } = await suite.open('work-row', { width: 1366, height: 768 });
      await signIn(page, suite.server.url, suite.server.accounts.responder);
      const item = page.locator('li.work-item').filter({ has: page.getByTestId('work-row').filter({ hasText: place }) });
      await item.getByTestId('work-accept').click();
      await item.locator('[data-testid="work-row"][data-status="accepted"]').waitFor();
      // Nothing opened: the step was taken on the row.
      expect(await page.getByTestId('group-details').count()).toBe(0);

      await item.getByTestId('work-reached').fill('7');
      await item.getByTestId('work-complete').click();
      await page.getByTestId('work-row').filter({ hasText: place }).waitFor({ state: 'detached' });
      const done = await completedAssignment(suite.server.url, cookie, reported.id, assignmentId);
      expect(done).toMatchObject({ status: 'completed', peopleReached: 7 });
      suite.assertClean();
    } finally {
      coordinator.close();
    }
  });
});

/** Reads the group back as the coordinator (REST) until the assignment is completed; returns it. */
async function completedAssignment(url: string, cookie: string, groupId: string, assignmentId: string): Promise<{ status: string; peopleReached: number }> {
  const read = async () => {
    const res = await fetch(`${url}/api/groups/${groupId}`, { headers: { cookie } });
    const body = (await res.json()) as { group?: { group?: { assignments: { id: string; status: string; peopleReached: number }[] } } };
    return body.group?.group?.assignments.find((a) => a.id === assignmentId);
  };
  await expect.poll(async () => (await read())?.status, { timeout: 20_000 }).toBe('completed');
  return (await read()) ?? expect.fail('no assignment');
}
