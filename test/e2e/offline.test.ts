import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { openDatabase } from '../../server/db/database';
import { createChildServer, type ChildServer } from '../support/child-server';
import { startTestServer, type TestServer } from '../support/server';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand } from '../support/clients';
import { launchBrowser, openGuardedPage, type GuardedPage } from './browser';
import { ARTIFACTS, showGroupList } from './suite';
import {
  LAPTOP,
  PHONE_POSITION,
  SMALL_PHONE,
  reportHere,
  rowsNamed,
  signIn,
  waitForConnection,
  waitForMapGroups,
  waitForWaiting,
  waitUntilOfflineReady,
} from './field-helpers';

// The field app with no connection: reports saved on the device (IndexedDB), the app itself
// started from the service worker's cache, and every report reaching the server exactly once when
// the connection (or the server) comes back.

const fillCount = (template: string, count: number) => template.replace('{count}', String(count));

/** Groups in the database whose place name starts with `prefix` (read-only, beside the server). */
function groupsNamed(databaseFile: string, prefix: string): string[] {
  const db = openDatabase(databaseFile, { readonly: true });
  try {
    return db
      .prepare<[string], { name: string }>(
        `SELECT json_extract(data, '$.location.placeName') AS name FROM groups WHERE json_extract(data, '$.location.placeName') LIKE ? || '%'`,
      )
      .all(prefix)
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

describe('field app offline', () => {
  let browser: Browser;
  const pages: GuardedPage[] = [];

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((guarded) => guarded.context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(label: string, viewport: { width: number; height: number }, phone = false): Promise<GuardedPage> {
    const guarded = await openGuardedPage(browser, {
      label,
      viewport,
      ...(phone ? { context: { geolocation: PHONE_POSITION, permissions: ['geolocation'], isMobile: true, hasTouch: true } } : {}),
    });
    pages.push(guarded);
    return guarded;
  }

  describe('with the network taken away', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ demo: true, staticDir: 'dist/client' });
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('keeps three reports made offline through a reload and sends each exactly once when the network is back', async () => {
      const coordinator = await open('coordinator', LAPTOP);
      const field = await open('field', SMALL_PHONE, true);
      await Promise.all([signIn(coordinator.page, server.url, server.accounts.coordinator), signIn(field.page, server.url, server.accounts.field)]);
      const c = coordinator.page;
      const f = field.page;
      const before = await server.countRows('groups');
      await waitForMapGroups(c, before);
      await waitForMapGroups(f, before);
      await waitUntilOfflineReady(f);
      await waitForWaiting(f, 0);
      await f.screenshot({ path: path.join(ARTIFACTS, 'field-360-online.png') });

      field.outage = true;
      await field.context.setOffline(true);
      await waitForConnection(f, 'offline');
      const prefix = `E2E offline ${Date.now()}`;
      const names = [1, 2, 3].map((n) => `${prefix} #${n}`);
      for (const [i, name] of names.entries()) {
        await reportHere(f, name, 4 + i);
        await f.getByTestId('submit-status').getByText(en['form.waiting'], { exact: true }).waitFor();
        await waitForWaiting(f, i + 1);
      }
      await waitForMapGroups(f, before + 3);
      await f.screenshot({ path: path.join(ARTIFACTS, 'field-360-offline-reports.png') });
      await f.evaluate(() => window.scrollTo(0, 0));
      await f.screenshot({ path: path.join(ARTIFACTS, 'field-360-offline.png') });

      // Reloaded with no network at all: the app comes from the service worker's cache, the
      // session and the groups from the device, and the three reports are still waiting.
      await f.reload();
      await waitForConnection(f, 'offline');
      await waitForWaiting(f, 3);
      for (const name of names) await f.getByTestId('recent-unsent').filter({ hasText: name }).getByText(en['outbox.waiting']).waitFor();
      await waitForMapGroups(f, before + 3);
      expect(await server.countRows('groups')).toBe(before);

      await field.context.setOffline(false);
      await waitForConnection(f, 'connected');
      await waitForWaiting(f, 0);
      field.outage = false;

      await waitForMapGroups(c, before + 3);
      await showGroupList(c);
      for (const name of names) {
        await rowsNamed(c, name).first().waitFor();
        expect(await rowsNamed(c, name).count()).toBe(1);
      }
      expect(groupsNamed(server.databaseFile, prefix).sort()).toEqual(names);
      expect(await server.countRows('groups')).toBe(before + 3);
      for (const guarded of pages) guarded.assertClean();
    });
    it('brings an update made offline on an old version back as a conflict, shows both, and applies it only when asked', async () => {
      const coordinator = await open('coordinator-conflict', LAPTOP);
      const field = await open('field-conflict', SMALL_PHONE, true);
      await Promise.all([signIn(coordinator.page, server.url, server.accounts.coordinator), signIn(field.page, server.url, server.accounts.field)]);
      const c = coordinator.page;
      const f = field.page;
      const name = `E2E seen again ${Date.now()}`;
      await reportHere(f, name, 6);
      await f.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();

      // Seen again with no connection: 9 people, now also needing food.
      await f.getByTestId('recent-item').filter({ hasText: name }).getByRole('button').click();
      const seen = f.getByTestId('seen-again');
      await seen.waitFor();
      field.outage = true;
      await field.context.setOffline(true);
      await waitForConnection(f, 'offline');
      await seen.getByLabel(en['seen.total']).fill('9');
      await seen.getByRole('checkbox', { name: en['need.food'], exact: true }).check();
      await seen.getByRole('button', { name: en['seen.submit'], exact: true }).click();
      await seen.getByTestId('seen-outcome').getByText(en['seen.saved'], { exact: true }).waitFor();
      await waitForWaiting(f, 1);

      // Meanwhile a coordinator verifies the group: a new version.
      await showGroupList(c);
      await rowsNamed(c, name).first().click();
      const details = c.getByTestId('group-details');
      await details.getByLabel(en['details.newStatus'], { exact: true }).selectOption('verified');
      await details.getByRole('button', { name: en['details.applyStatus'], exact: true }).click();
      await details.getByTestId('details-status').getByText(en['status.verified'], { exact: true }).waitFor();

      // Back online: a conflict, with both versions, not an overwrite.
      await field.context.setOffline(false);
      await waitForConnection(f, 'connected');
      field.outage = false;
      const refused = f.locator('[data-testid="recent-unsent"][data-state="rejected"][data-type="group.update"]');
      await refused.waitFor();
      await waitForWaiting(f, 0);
      const conflict = refused.getByTestId('outbox-conflict');
      expect(await conflict.textContent()).toContain(en['status.verified']);
      expect(await conflict.textContent()).toContain(en['need.food']);
      expect(await details.getByTestId('details-total').textContent()).toBe('6');
      await refused.scrollIntoViewIfNeeded();
      await f.screenshot({ path: path.join(ARTIFACTS, 'field-360-conflict.png') });

      // Applied on the current version only when the person asks.
      await refused.getByRole('button', { name: en['outbox.reapply'], exact: true }).click();
      await details.getByTestId('details-total').getByText('9', { exact: true }).waitFor();
      await details.getByTestId('details-status').getByText(en['status.verified'], { exact: true }).waitFor();
      await f.locator('[data-testid="recent-unsent"]').first().waitFor({ state: 'detached' });
      for (const guarded of pages) guarded.assertClean();
    });

    it('keeps a refused report in sight with its reason and lets the person fix it in the form', async () => {
      const field = await open('field-fix', SMALL_PHONE, true);
      await signIn(field.page, server.url, server.accounts.field);
      const f = field.page;
      await waitUntilOfflineReady(f);
      // A report an earlier visit saved and the server refused as invalid, as the outbox keeps it.
      const name = `E2E refused ${Date.now()}`;
      const command = reportCommand(
        makeGroupInput({
          location: { lat: 32.9, lon: 13.2, accuracyM: 40, placeName: name, siteType: 'open_air' },
          headcount: { total: 5 },
          nationalities: [],
          needs: [],
        }),
      );
      const entry = {
        command,
        queuedAt: new Date().toISOString(),
        status: 'rejected',
        seq: null,
        failure: {
          ok: false,
          code: 'invalid',
          message: 'the report is not a valid group',
          issues: [{ path: ['headcount', 'total'], message: 'too few', code: 'custom' }],
        },
        current: null,
      };
      await f.evaluate(
        (record) =>
          new Promise<void>((resolve, reject) => {
            const open = indexedDB.open('waymark-device');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const tx = open.result.transaction(['outbox', 'cache'], 'readwrite');
              const session = tx.objectStore('cache').get('session');
              session.onsuccess = () => {
                const userId = (session.result as { session: { user: { id: string } } }).session.user.id;
                tx.objectStore('outbox').put({ commandId: record.command.commandId, userId, entry: record });
              };
              tx.oncomplete = () => resolve();
              tx.onerror = () => reject(tx.error);
            };
          }),
        entry,
      );
      await f.reload();
      await waitForConnection(f, 'connected');
      const refused = f.locator('[data-testid="recent-unsent"][data-state="rejected"]').filter({ hasText: name });
      await refused.getByTestId('outbox-reason').getByText(en['ack.invalid'], { exact: false }).waitFor();
      await waitForWaiting(f, 0);

      await refused.getByRole('button', { name: en['outbox.edit'], exact: true }).click();
      expect(await f.getByLabel(en['form.placeName'], { exact: true }).inputValue()).toBe(name);
      const total = f.getByLabel(en['form.headcount.total']);
      expect(await total.inputValue()).toBe('5');
      await f.getByTestId('picked-location').waitFor();
      await total.fill('7');
      await f.getByRole('button', { name: en['form.submit'], exact: true }).click();
      await f.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();
      await refused.waitFor({ state: 'detached' });
      expect(groupsNamed(server.databaseFile, name)).toEqual([name]);
      field.assertClean();
    });

    it('lets only one tab send the shared outbox; a report made in another tab is sent once and answered there', async () => {
      const field = await open('field-tabs', SMALL_PHONE, true);
      await signIn(field.page, server.url, server.accounts.field);
      const first = field.page;
      await waitUntilOfflineReady(first);
      const second = await field.openTab('second tab');
      await second.goto(server.url);
      await waitForConnection(second, 'connected');
      const before = await server.countRows('groups');
      const sending = (page: typeof first, value: boolean) =>
        page
          .getByTestId('outbox-count')
          .and(page.locator(`[data-sender="${value}"]`))
          .waitFor();
      await sending(first, true);
      await sending(second, false);

      // Made offline in the second tab; the first holds the sender lock and sends it when back.
      field.outage = true;
      await field.context.setOffline(true);
      await waitForConnection(second, 'offline');
      const name = `E2E two tabs ${Date.now()}`;
      await reportHere(second, name, 4);
      await waitForWaiting(second, 1);
      await field.context.setOffline(false);
      await second.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();
      await waitForWaiting(second, 0);
      field.outage = false;
      expect(groupsNamed(server.databaseFile, name)).toEqual([name]);

      // The sending tab closes: the other one takes the lock and sends by itself.
      await first.close();
      await sending(second, true);
      const next = `E2E one tab left ${Date.now()}`;
      await reportHere(second, next, 3);
      await second.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();
      expect(groupsNamed(server.databaseFile, next)).toEqual([next]);
      expect(await server.countRows('groups')).toBe(before + 2);
      field.assertClean();
    });

    it('keeps another team’s groups on the phone only as points, flagged ones not at all (protection rule 11)', async () => {
      const field = await open('field-scope', SMALL_PHONE, true);
      await signIn(field.page, server.url, server.accounts.field);
      const f = field.page;
      await waitUntilOfflineReady(f);
      // Another team's reports (the coordinator's), after the phone's first sync: they come live.
      const coordinator = await connectUser(server.url, server.accounts.coordinator);
      const exact = { lat: 32.887234, lon: 13.191345, accuracyM: 10, placeName: `E2E safe house ${Date.now()}`, siteType: 'urban_dispersed' as const };
      const plain = expectOk(await sendCommand(coordinator, reportCommand(makeGroupInput({ location: exact, notes: 'E2E secret note' })))).group;
      const flagged = expectOk(
        await sendCommand(coordinator, reportCommand(makeGroupInput({ location: exact, notes: 'E2E secret note', protectionConcern: true }))),
      ).group;
      coordinator.close();

      // What the device keeps for the next start with no connection, once it holds the new point.
      const readCopy = () =>
        f.evaluate(
          () =>
            new Promise<string>((resolve, reject) => {
              const open = indexedDB.open('waymark-device');
              open.onerror = () => reject(open.error);
              open.onsuccess = () => {
                const read = open.result.transaction('cache').objectStore('cache').get('groups');
                read.onsuccess = () => {
                  open.result.close();
                  resolve(JSON.stringify(read.result ?? null));
                };
              };
            }),
        );
      await expect.poll(async () => (await readCopy()).includes(plain.id), { timeout: 30_000 }).toBe(true);
      const copy = JSON.parse(await readCopy()) as { groups: { view: string; group: { id: string; lat?: number; lon?: number } }[] };
      const point = copy.groups.find((v) => v.group.id === plain.id);
      expect(point).toEqual({ view: 'reduced', group: expect.objectContaining({ id: plain.id, lat: 32.89, lon: 13.19 }) });
      expect(copy.groups.some((v) => v.group.id === flagged.id)).toBe(false);
      const text = JSON.stringify(copy);
      for (const secret of ['E2E secret note', 'E2E safe house', '32.887234']) expect(text).not.toContain(secret);
      // The demo's groups are this field user's own reports: still in full.
      expect(copy.groups.filter((v) => v.view === 'full').length).toBeGreaterThan(0);
      field.assertClean();
    });

    it('warns at sign-out while changes wait, keeps them when asked, and clears the device when signing out', async () => {
      const field = await open('field-signout', SMALL_PHONE, true);
      await signIn(field.page, server.url, server.accounts.field);
      const f = field.page;
      await waitUntilOfflineReady(f);
      // The device holds groups before signing out, so that "nothing left" below means deleted.
      const heldBefore = await f.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            const open = indexedDB.open('waymark-device');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const read = open.result.transaction('cache').objectStore('cache').get('groups');
              read.onsuccess = () => {
                const value = read.result as { groups?: unknown[] } | undefined;
                open.result.close();
                resolve(value?.groups?.length ?? 0);
              };
            };
          }),
      );
      expect(heldBefore).toBeGreaterThan(0);
      field.outage = true;
      await field.context.setOffline(true);
      await waitForConnection(f, 'offline');
      await reportHere(f, `E2E sign-out ${Date.now()}`, 2);
      await waitForWaiting(f, 1);

      const signOut = f.getByRole('button', { name: en['header.signOut'], exact: true });
      await signOut.click();
      const warning = f.getByRole('alertdialog');
      expect(await warning.textContent()).toContain(fillCount(en['header.signOut.pending_one'], 1));
      await warning.getByRole('button', { name: en['header.signOut.cancel'], exact: true }).click();
      await waitForWaiting(f, 1);

      await signOut.click();
      await f.getByRole('alertdialog').getByRole('button', { name: en['header.signOut.confirm'], exact: true }).click();
      await f.getByRole('heading', { name: en['signin.title'], exact: true }).waitFor();
      const stored = await f.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            const open = indexedDB.open('waymark-device');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const tx = open.result.transaction(['outbox', 'cache']);
              const outbox = tx.objectStore('outbox').count();
              const cache = tx.objectStore('cache').count();
              tx.oncomplete = () => resolve(outbox.result + cache.result);
            };
          }),
      );
      expect(stored).toBe(0);
      // No other database of this origin keeps anything of the crisis either.
      const databases = await f.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
      expect(databases.filter((name) => name !== 'waymark-device')).toEqual([]);
      await field.context.setOffline(false);
      field.outage = false;

      // The server could not be told while offline; the next start tells it, and stays signed out.
      await f.reload();
      await f.getByRole('heading', { name: en['signin.title'], exact: true }).waitFor();
      const session = await f.evaluate(() => fetch('/api/session').then((r) => r.json()));
      expect(session).toEqual({ signedIn: false });
      field.assertClean();
    });
  });

  describe('with the server killed', () => {
    let server: ChildServer;
    beforeAll(async () => {
      server = await createChildServer({ staticDir: 'dist/client' });
      await server.start();
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('after SIGKILL and restart while sending, holds everything acknowledged once and receives everything waiting', async () => {
      const accounts = {
        field: { username: DEMO_USERS.field, password: DEMO_PASSWORD },
        coordinator: { username: DEMO_USERS.coordinator, password: DEMO_PASSWORD },
      };
      const coordinator = await open('coordinator-kill', LAPTOP);
      const field = await open('field-kill', SMALL_PHONE, true);
      await Promise.all([signIn(coordinator.page, server.url, accounts.coordinator), signIn(field.page, server.url, accounts.field)]);
      const c = coordinator.page;
      const f = field.page;
      await waitUntilOfflineReady(f);
      const prefix = `E2E killed ${Date.now()}`;
      const names = [1, 2, 3, 4, 5].map((n) => `${prefix} #${n}`);

      // One report is acknowledged before anything goes wrong.
      await reportHere(f, names[0]!, 3);
      await f.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();

      // The server dies with no warning; four more are made, and the page is reloaded while the
      // server is still dead, so the app can only come from the service worker's cache.
      coordinator.outage = true;
      field.outage = true;
      await server.kill();
      await waitForConnection(f, 'offline');
      for (const [i, name] of names.slice(1).entries()) {
        await reportHere(f, name, 5 + i);
        await waitForWaiting(f, i + 1);
      }
      await f.reload();
      await waitForWaiting(f, 4);

      // Back up; killed again as soon as the first waiting report is acknowledged (the rest are
      // on their way or still waiting), then back for good.
      await server.start();
      await f.getByTestId('outbox-count').and(f.locator('[data-count="0"], [data-count="1"], [data-count="2"], [data-count="3"]')).waitFor({ timeout: 45_000 });
      await server.kill();
      const acknowledged = groupsNamed(server.databaseFile, prefix);
      expect(acknowledged.length).toBeGreaterThanOrEqual(2);
      expect(new Set(acknowledged).size).toBe(acknowledged.length);
      await server.start();
      await waitForConnection(f, 'connected');
      await waitForWaiting(f, 0);
      await waitForConnection(c, 'connected');
      coordinator.outage = false;
      field.outage = false;

      expect(groupsNamed(server.databaseFile, prefix).sort()).toEqual(names);
      await showGroupList(c);
      for (const name of names) {
        await rowsNamed(c, name).first().waitFor();
        expect(await rowsNamed(c, name).count()).toBe(1);
      }
      for (const guarded of pages) guarded.assertClean();
    });
  });
});
