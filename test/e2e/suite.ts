import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import en from '../../client/lib/i18n/en';
import { startTestServer, type Credentials, type TestServer, type TestServerOptions } from '../support/server';
import { launchBrowser, openGuardedPage, type ExpectedFailure, type GuardedPage } from './browser';

/** Where browser tests save the screenshots a person looks at (git-ignored). */
export const ARTIFACTS = path.resolve('test/artifacts');
export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1366, height: 860 };

/** Fills and submits the sign-in form, without waiting for the outcome. */
export async function submitSignIn(page: Page, url: string, account: Credentials): Promise<void> {
  await page.goto(url);
  await page.getByLabel(en['signin.username'], { exact: true }).fill(account.username);
  await page.getByLabel(en['signin.password'], { exact: true }).fill(account.password);
  await page.getByRole('button', { name: en['signin.submit'], exact: true }).click();
}

/** Signs in through the real form and waits until the app is connected and synced. */
export async function signIn(page: Page, url: string, account: Credentials): Promise<void> {
  await submitSignIn(page, url, account);
  // Generous: on this 2-core machine a cold page with a service worker and a map can take a while.
  await page.getByTestId('connection').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 45_000 });
}

export interface BrowserSuite {
  readonly server: TestServer;
  readonly browser: Browser;
  /** This test's pages so far. */
  readonly pages: readonly GuardedPage[];
  /**
   * A guarded page in a context of its own (one per role), closed after the test. `expected` lists
   * the failures the test provokes on purpose; no other failure is expected, not even on the
   * sign-in page (its "who am I?" answers 200 `{ signedIn: false }`).
   */
  open(
    label: string,
    viewport?: { width: number; height: number },
    context?: BrowserContextOptions,
    expected?: readonly ExpectedFailure[],
  ): Promise<GuardedPage>;
  /** Fails the test with every problem any of its pages recorded. */
  assertClean(): void;
}

/**
 * The lifecycle every browser suite shares, registered in the calling `describe`: one server and
 * one Chromium for the suite; each test's pages go with it, so one test's stopped server is not
 * another's reconnect noise.
 */
export function browserSuite(serverOptions: TestServerOptions): BrowserSuite {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const pages: GuardedPage[] = [];
  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    [server, browser] = await Promise.all([startTestServer(serverOptions), launchBrowser()]);
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((guarded) => guarded.context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser suite has not started');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get browser() {
      return started(browser);
    },
    get pages() {
      return pages;
    },
    async open(label, viewport = LAPTOP, context, expected = []) {
      const guarded = await openGuardedPage(started(browser), {
        label,
        viewport,
        expectedFailures: expected,
        ...(context ? { context } : {}),
      });
      pages.push(guarded);
      return guarded;
    },
    assertClean() {
      for (const guarded of pages) guarded.assertClean();
    },
  };
}

/** The value of an agency in a need row's assignment form, by its acronym. */
export async function agencyValue(needRow: Locator, acronym: string): Promise<string> {
  const option = needRow.getByTestId('assign-agency').locator('option', { hasText: new RegExp(`^${acronym} – `) });
  const value = await option.getAttribute('value');
  if (!value) throw new Error(`no agency ${acronym} in the form`);
  return value;
}

/** Assigns the need of this row (in a group's details) to an agency and waits until it shows as proposed. */
export async function assignNeed(needRow: Locator, acronym: string): Promise<void> {
  await needRow.getByTestId('assign-open').click();
  await needRow.getByTestId('assign-agency').selectOption(await agencyValue(needRow, acronym));
  await needRow.getByTestId('assign-submit').click();
  await needRow.locator('[data-testid="assignment"][data-status="proposed"]').waitFor();
}

/** Closes a group's details when they are open (they take the side panel's place). */
export async function closeDetails(page: Page): Promise<void> {
  const close = page.getByTestId('details-close');
  if (await close.isVisible()) await close.click();
}

/** Shows the side panel's list of what the map shows (a tab beside the queue or the work list), details closed. */
export async function showGroupList(page: Page): Promise<void> {
  await closeDetails(page);
  const tab = page.getByRole('tab', { name: en['side.tab.list'], exact: true });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
}

/** Unfolds the coordinator's filters (folded by default above the side panel's tabs). */
export async function openFilters(page: Page): Promise<void> {
  const fold = page.getByTestId('filters-fold');
  if ((await fold.getAttribute('open')) === null) await fold.locator('summary').click();
}
