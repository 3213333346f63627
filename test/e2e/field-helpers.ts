import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import en from '../../client/lib/i18n/en';

// Steps the offline field tests share: signing in, reading the header and the map, reporting a
// group through the real form. Waits are on selectors and attributes, never on time.

/** A phone at the narrowest common width. */
export const SMALL_PHONE = { width: 360, height: 740 };
export { LAPTOP, signIn } from './suite';
/** Where the emulated phone is (Tripoli), with the accuracy its GPS claims. */
export const PHONE_POSITION = { latitude: 32.8872, longitude: 13.1913, accuracy: 25 };

export function mapOf(page: Page): Locator {
  return page.getByRole('region', { name: en['map.label'], exact: true });
}

/** Waits until the map has drawn exactly `count` groups and gone idle with them. */
export async function waitForMapGroups(page: Page, count: number): Promise<void> {
  await mapOf(page)
    .and(page.locator(`[data-ready="true"][data-feature-count="${count}"]`))
    .waitFor({ timeout: 45_000 });
}

export async function waitForConnection(page: Page, state: 'connected' | 'offline' | 'connecting'): Promise<void> {
  await page
    .getByTestId('connection')
    .and(page.locator(`[data-state="${state}"]`))
    .waitFor({ timeout: 45_000 });
}

/** Waits until the header says `count` changes wait and every one of them is on the device's disk. */
export async function waitForWaiting(page: Page, count: number): Promise<void> {
  await page
    .getByTestId('outbox-count')
    .and(page.locator(`[data-count="${count}"][data-unsaved="0"]`))
    .waitFor({ timeout: 45_000 });
}

/**
 * Waits until the service worker controls the page and the device holds the last groups: from
 * then on the app can start with no connection.
 */
export async function waitUntilOfflineReady(page: Page): Promise<void> {
  // The state of the registration, so that a timeout says where the worker got stuck.
  const state = () =>
    page.evaluate(async () => {
      if (navigator.serviceWorker.controller) return 'controlled';
      const reg = await navigator.serviceWorker.getRegistration();
      return JSON.stringify({ registered: !!reg, installing: reg?.installing?.state, waiting: reg?.waiting?.state, active: reg?.active?.state });
    });
  await expect.poll(state, { timeout: 60_000 }).toBe('controlled');
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            new Promise<boolean>((resolve) => {
              const open = indexedDB.open('waymark-device');
              open.onerror = () => resolve(false);
              open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains('cache')) return resolve(false);
                const get = db.transaction('cache').objectStore('cache').get('groups');
                get.onsuccess = () => resolve(get.result !== undefined);
                get.onerror = () => resolve(false);
              };
            }),
        ),
      { timeout: 30_000 },
    )
    .toBe(true);
}

/** Reports a group at the device's position with the form's two required things: location and headcount. */
export async function reportHere(page: Page, placeName: string, total: number): Promise<void> {
  await page.getByRole('button', { name: en['form.location.useMine'], exact: true }).click();
  await page.getByTestId('picked-location').waitFor();
  await page.getByLabel(en['form.placeName'], { exact: true }).fill(placeName);
  await page.getByLabel(en['form.headcount.total']).fill(String(total));
  await page.getByRole('button', { name: en['form.submit'], exact: true }).click();
}

/** How many rows of the coordinator's list carry this place name. */
export function rowsNamed(page: Page, placeName: string): Locator {
  return page.getByTestId('group-row').filter({ hasText: placeName });
}
