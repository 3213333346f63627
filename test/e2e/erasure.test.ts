import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand } from '../support/clients';
import { PHONE_POSITION, SMALL_PHONE, waitForConnection, waitForMapGroups, waitUntilOfflineReady } from './field-helpers';
import { ARTIFACTS, LAPTOP, browserSuite, showGroupList, signIn } from './suite';

// Issue 21, erasure on request from the coordinator's screen: the coordinator erases a group with
// the keyboard (a reason code, a confirm step that says what happens); the details close and the
// point leaves the map; a field phone that reported the group and was offline meanwhile loses it
// when it is back, from its screen and from what it stores (IndexedDB, read as text).

const MARK = { place: 'Qzbrowsererasedplace', notes: 'Qzbrowsererasednote', kept: 'Qzbrowserkeptplace' } as const;

/** Everything the app stores in IndexedDB, as text; packed snapshots gunzipped so their values show too. */
function storedText(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('waymark-device');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error ?? new Error('open failed'));
    });
    const read = (store: string) =>
      new Promise<unknown[]>((resolve, reject) => {
        const request = db.transaction(store, 'readonly').objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result as unknown[]);
        request.onerror = () => reject(request.error ?? new Error('read failed'));
      });
    const values = [...(await read('outbox')), ...(await read('cache'))];
    db.close();
    const parts: string[] = [];
    for (const value of values) {
      parts.push(JSON.stringify(value));
      const packed = (value as { packed?: ArrayBuffer | Uint8Array } | null)?.packed;
      if (packed) {
        const bytes = packed instanceof Uint8Array ? packed : new Uint8Array(packed);
        parts.push(await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'))).text());
      }
    }
    return parts.join('\n');
  });
}

const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

describe('erasure of a group from the coordinator’s screen', () => {
  const suite = browserSuite({ staticDir: 'dist/client' });

  it('erases with the keyboard after a confirm step; the details close, the point leaves the map, and a phone offline meanwhile loses its copy when back', async () => {
    const { server } = suite;
    // The field team's report (and one that stays), made from its account before the screens open.
    const reporter = await connectUser(server.url, server.accounts.field);
    const erased = makeGroupInput({ location: { lat: 32.88, lon: 13.18, accuracyM: 5, placeName: MARK.place, siteType: 'other' }, notes: MARK.notes });
    expectOk(await sendCommand(reporter, reportCommand(erased)));
    expectOk(
      await sendCommand(reporter, reportCommand(makeGroupInput({ location: { lat: 32.9, lon: 13.2, accuracyM: 5, placeName: MARK.kept, siteType: 'other' } }))),
    );
    reporter.close();

    const coordinator = await suite.open('coordinator', LAPTOP);
    const phone = await suite.open('field', SMALL_PHONE, { geolocation: PHONE_POSITION, permissions: ['geolocation'], isMobile: true, hasTouch: true });
    await Promise.all([signIn(coordinator.page, server.url, server.accounts.coordinator), signIn(phone.page, server.url, server.accounts.field)]);
    const c = coordinator.page;
    const f = phone.page;
    await waitForMapGroups(c, 2);
    await waitForMapGroups(f, 2);
    await waitUntilOfflineReady(f);
    await expect.poll(() => storedText(f)).toContain(MARK.notes);

    // The phone loses its connection while the coordinator erases.
    phone.outage = true;
    await phone.context.setOffline(true);
    await waitForConnection(f, 'offline');

    await showGroupList(c);
    await c.getByTestId('group-row').filter({ hasText: MARK.place }).click();
    const details = c.getByTestId('group-details').and(c.locator(`[data-group-id="${erased.id}"]`));
    await details.waitFor();
    await details.getByTestId('erase-open').focus();
    await c.keyboard.press('Enter');
    // The first reason has the keyboard; the confirm step says what happens before anything does.
    await expect.poll(() => focusedTestId(c)).toBe('erase-reason-person_request');
    await details.getByText(en['erase.what'], { exact: true }).waitFor();
    expect(await details.getByTestId('erase-confirm').isDisabled()).toBe(true);
    await c.keyboard.press('Space');
    await c.keyboard.press('Tab');
    expect(await focusedTestId(c)).toBe('erase-confirm');
    await c.screenshot({ path: path.join(ARTIFACTS, 'erase-confirm-1366.png') });
    await c.keyboard.press('Enter');

    // The removal reaches this screen too: the details close, the point leaves the map and the list.
    await details.waitFor({ state: 'detached' });
    await waitForMapGroups(c, 1);
    expect(await c.getByTestId('group-row').filter({ hasText: MARK.place }).count()).toBe(0);
    expect(await focusedTestId(c)).not.toBe('BODY');

    // Back online, the phone catches up: the group leaves its map, its list and its storage.
    await phone.context.setOffline(false);
    await waitForConnection(f, 'connected');
    phone.outage = false;
    await waitForMapGroups(f, 1);
    const stored = await storedText(f);
    expect(stored).toContain(MARK.kept);
    expect(stored).not.toContain(MARK.place);
    expect(stored).not.toContain(MARK.notes);
    expect(stored).not.toContain(erased.id);
    for (const guarded of suite.pages) guarded.assertClean();
  });
});
