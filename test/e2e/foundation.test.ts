import path from 'node:path';
import { PNG } from 'pngjs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { BASEMAP_COLORS } from '../../client/lib/map/basemap';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import type { Credentials } from '../support/server';
import { ARTIFACTS, LAPTOP, PHONE, browserSuite, signIn, submitSignIn, showGroupList } from './suite';

// A field report reaches every coordinator's live map, durably: two real browsers (one per
// role, each with its own cookies) on a real server with the synthetic demo crisis, driven
// through the real forms. Waits are on selectors and attributes, never on time.

const fill = (template: string, params: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (m, name: string) => String(params[name] ?? m));

function mapOf(page: Page): Locator {
  return page.getByRole('region', { name: en['map.label'], exact: true });
}

/** Waits until the map has drawn exactly `count` groups and gone idle with them. */
async function waitForMapGroups(page: Page, count: number): Promise<void> {
  await mapOf(page)
    .and(page.locator(`[data-ready="true"][data-feature-count="${count}"]`))
    .waitFor({ timeout: 45_000 });
}

/** Opens one of the form's collapsible sections by its visible title. */
async function openSection(page: Page, title: string): Promise<void> {
  await page.locator('details > summary').getByText(title, { exact: true }).click();
}

const hex = (color: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];

/** Reads the map's canvas as the screen shows it, and summarises its pixels. */
async function mapPixels(page: Page): Promise<{ distinctColours: number; share: (color: string) => number }> {
  const png = PNG.sync.read(await mapOf(page).locator('canvas').first().screenshot());
  const colours = new Map<number, number>();
  for (let i = 0; i < png.data.length; i += 4) {
    const key = (png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!;
    colours.set(key, (colours.get(key) ?? 0) + 1);
  }
  const pixels = png.width * png.height;
  return {
    distinctColours: colours.size,
    share(color) {
      const [r, g, b] = hex(color);
      let n = 0;
      for (const [key, count] of colours) {
        if (Math.abs(((key >> 16) & 255) - r) <= 3 && Math.abs(((key >> 8) & 255) - g) <= 3 && Math.abs((key & 255) - b) <= 3) n += count;
      }
      return n / pixels;
    },
  };
}

/** The error shown beside a field: the element its aria-describedby points to, inside the same field. */
async function errorBeside(page: Page, field: Locator): Promise<string> {
  await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
  const ids = (await field.getAttribute('aria-describedby'))?.split(' ') ?? [];
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

describe('foundation: a field report reaches every coordinator’s live map', () => {
  // Every live batch goes packed (fewest 1 change) to the pages, which ask for it: the live
  // updates below take the path a big batch takes (changesPacked, unpacked in the browser).
  const suite = browserSuite({ demo: true, staticDir: 'dist/client', packedLiveMin: 1 });
  const open = suite.open;

  it('shows a report from the field on the coordinator’s map and list without a reload', async () => {
    const coordinator = await open('coordinator', LAPTOP);
    const field = await open('field', PHONE);
    await Promise.all([
      signIn(coordinator.page, suite.server.url, suite.server.accounts.coordinator),
      signIn(field.page, suite.server.url, suite.server.accounts.field),
    ]);

    // The coordinator sees the demo crisis, labelled as such, on a map that is really drawn.
    const c = coordinator.page;
    await c.getByTestId('demo-badge').getByText(en['header.demo'], { exact: true }).waitFor();
    await waitForMapGroups(c, DEMO_GROUP_COUNT);
    await showGroupList(c);
    await c
      .getByTestId('group-count')
      .getByText(fill(en['list.count_other'], { count: DEMO_GROUP_COUNT }), { exact: true })
      .waitFor();
    // The list is windowed: a screenful of rows, not one per group.
    const rendered = await c.getByTestId('group-row').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
    const pixels = await mapPixels(c);
    expect(pixels.distinctColours).toBeGreaterThan(50);
    expect(pixels.share(BASEMAP_COLORS.host)).toBeGreaterThan(0.05);
    expect(pixels.share(BASEMAP_COLORS.sea)).toBeGreaterThan(0.01);

    // The field team places a pin by tapping the map.
    const f = field.page;
    await waitForMapGroups(f, DEMO_GROUP_COUNT);
    // A tap on a site's symbol means the site and a tap on a cluster zooms in, so the pin goes on the
    // first of a few spots that is neither (the demo has sites in its towns).
    const canvas = mapOf(f).locator('canvas').first();
    const box = (await canvas.boundingBox())!;
    const picked = f.getByTestId('picked-location').getByText(en['form.location.picked'].split('{')[0]!.trim());
    for (const [x, y] of [
      [0.5, 0.5],
      [0.35, 0.6],
      [0.65, 0.6],
      [0.5, 0.75],
      [0.3, 0.8],
      [0.7, 0.8],
    ] as const) {
      await canvas.click({ position: { x: box.width * x, y: box.height * y } });
      if (await picked.isVisible({ timeout: 2_000 }).catch(() => false)) break;
      await f.keyboard.press('Escape');
    }
    await picked.waitFor();

    // An inconsistent report is refused on the device, with the reason beside the field.
    const placeName = `E2E Zuwara school ${Date.now()}`;
    await f.getByLabel(en['form.placeName'], { exact: true }).fill(placeName);
    const total = f.getByLabel(en['form.headcount.total']);
    await total.fill('12');
    await openSection(f, en['form.headcount.breakdown']);
    const femaleAdults = f.getByLabel(fill(en['form.headcount.cell'], { sex: en['sex.female'], age: en['age.age18to59'] }), { exact: true });
    await femaleAdults.fill('30');
    await f.getByRole('button', { name: en['form.submit'], exact: true }).click();
    expect(await errorBeside(f, total)).toContain(en['form.error.breakdownExceedsTotal']);
    await f.getByTestId('error-summary').getByText(en['form.error.breakdownExceedsTotal']).waitFor();
    await f.screenshot({ path: path.join(ARTIFACTS, 'field-form-errors.png'), fullPage: true });

    // Corrected, with a nationality and a need, it is saved.
    await femaleAdults.fill('5');
    await openSection(f, en['form.nationalities']);
    await f.getByRole('button', { name: en['form.nationalities.add'], exact: true }).click();
    await f.getByLabel(en['form.nationalities.country'], { exact: true }).selectOption('SDN');
    await f.getByTestId('nationality-row').getByLabel(en['form.nationalities.count']).fill('7');
    await openSection(f, en['form.needs']);
    await f.getByRole('checkbox', { name: en['need.water'], exact: true }).check();
    await f.getByLabel(`${en['need.water']}: ${en['form.needs.severity']}`, { exact: true }).selectOption('4');
    await f.getByLabel(`${en['need.water']}: ${en['form.needs.people']}`, { exact: true }).fill('12');
    await f.getByRole('button', { name: en['form.submit'], exact: true }).click();
    await f.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();
    expect(await total.inputValue()).toBe('');
    await f.getByTestId('recent-item').filter({ hasText: placeName }).waitFor();
    await f.screenshot({ path: path.join(ARTIFACTS, 'field.png'), fullPage: true });

    // It reaches the coordinator live: one more point on the map and a new row in the list.
    await waitForMapGroups(c, DEMO_GROUP_COUNT + 1);
    await c
      .getByTestId('group-count')
      .getByText(fill(en['list.count_other'], { count: DEMO_GROUP_COUNT + 1 }), { exact: true })
      .waitFor();
    const row = c.getByTestId('group-row').filter({ hasText: placeName });
    await row.click();
    const details = c.getByTestId('group-details');
    await details.getByTestId('details-total').getByText('12', { exact: true }).waitFor();
    await details.getByTestId('details-nationalities').getByText('Sudan').waitFor();
    await details.getByTestId('details-needs').getByText(en['need.water'], { exact: true }).waitFor();
    await c.screenshot({ path: path.join(ARTIFACTS, 'coordinator.png') });

    // The coordinator verifies it; the field team sees the new status in its recent reports.
    await details.getByLabel(en['details.newStatus'], { exact: true }).selectOption('verified');
    await details.getByRole('button', { name: en['details.applyStatus'], exact: true }).click();
    await details.getByTestId('details-status').getByText(en['status.verified'], { exact: true }).waitFor();
    await f.getByTestId('recent-item').filter({ hasText: placeName }).getByText(en['status.verified'], { exact: true }).waitFor();

    suite.assertClean();
  });

  it('keeps a report made while the server is away and sends it once, after the reconnect', async () => {
    const coordinator = await open('coordinator-2', LAPTOP);
    // This time the device knows where it is.
    const field = await open('field-2', PHONE, {
      geolocation: { latitude: 32.8872, longitude: 13.1913, accuracy: 25 },
      permissions: ['geolocation'],
    });
    await Promise.all([
      signIn(coordinator.page, suite.server.url, suite.server.accounts.coordinator),
      signIn(field.page, suite.server.url, suite.server.accounts.field),
    ]);
    const c = coordinator.page;
    const f = field.page;
    const before = Number(
      await c
        .getByTestId('group-count')
        .textContent()
        .then((s) => s?.replace(/\D/g, '')),
    );
    await waitForMapGroups(c, before);

    await f.getByRole('button', { name: en['form.location.useMine'], exact: true }).click();
    await f
      .getByTestId('picked-location')
      .getByText(fill(en['form.location.accuracy'], { metres: 25 }), { exact: true })
      .waitFor();
    const placeName = `E2E offline report ${Date.now()}`;
    await f.getByLabel(en['form.placeName'], { exact: true }).fill(placeName);
    await f.getByLabel(en['form.headcount.total']).fill('3');

    coordinator.outage = true;
    field.outage = true;
    await suite.server.stop();
    await f.getByTestId('connection').and(f.locator('[data-state="offline"]')).waitFor();
    await f.getByRole('button', { name: en['form.submit'], exact: true }).click();
    await f.getByTestId('submit-status').getByText(en['form.waiting'], { exact: true }).waitFor();
    await f.getByTestId('recent-unsent').filter({ hasText: placeName }).waitFor();
    // The waiting report is on the field team's own map already (drawn hollow).
    await waitForMapGroups(f, before + 1);

    await suite.server.restart();
    await f.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();
    await c.getByTestId('connection').and(c.locator('[data-state="connected"]')).waitFor();
    coordinator.outage = false;
    field.outage = false;

    await waitForMapGroups(c, before + 1);
    await showGroupList(c);
    await c.getByTestId('group-row').filter({ hasText: placeName }).waitFor();
    expect(await c.getByTestId('group-row').filter({ hasText: placeName }).count()).toBe(1);
    suite.assertClean();
  });

  it('shows a conflict when another coordinator changed the group first, and overwrites nothing unless asked', async () => {
    const first = await open('coordinator-a', LAPTOP);
    const second = await open('coordinator-b', LAPTOP);
    await Promise.all([
      signIn(first.page, suite.server.url, suite.server.accounts.coordinator),
      signIn(second.page, suite.server.url, suite.server.accounts.coordinator),
    ]);
    const a = first.page;
    const b = second.page;
    await Promise.all([showGroupList(a), showGroupList(b)]);
    const reported = a.getByTestId('group-row').filter({ hasText: en['status.reported'] }).first();
    const groupId = await reported.getAttribute('data-group-id');
    await reported.click();
    await b.locator(`[data-testid="group-row"][data-group-id="${groupId}"]`).click();
    const detailsA = a.getByTestId('group-details');
    const detailsB = b.getByTestId('group-details');

    // A decides while its connection is down; B's change reaches the server first.
    first.outage = true;
    await first.context.setOffline(true);
    await a.getByTestId('connection').and(a.locator('[data-state="offline"]')).waitFor();
    await detailsA.getByLabel(en['details.newStatus'], { exact: true }).selectOption('closed');
    await detailsA.getByRole('button', { name: en['details.applyStatus'], exact: true }).click();
    await detailsA.getByTestId('status-outcome').getByText(en['details.statusWaiting'], { exact: true }).waitFor();
    await detailsB.getByLabel(en['details.newStatus'], { exact: true }).selectOption('verified');
    await detailsB.getByRole('button', { name: en['details.applyStatus'], exact: true }).click();
    await detailsB.getByTestId('details-status').getByText(en['status.verified'], { exact: true }).waitFor();

    // Back online, A's command goes with the version it was based on: a conflict, shown, not applied.
    await first.context.setOffline(false);
    const conflict = detailsA.getByTestId('status-outcome').getByRole('alert');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(en['status.verified']);
    await detailsA.getByTestId('details-status').getByText(en['status.verified'], { exact: true }).waitFor();
    await a.getByTestId('connection').and(a.locator('[data-state="connected"]')).waitFor();
    first.outage = false;

    // Only when A asks again is the group closed, on top of B's change.
    await conflict.getByRole('button', { name: fill(en['details.conflict.retry'], { status: en['status.closed'] }), exact: true }).click();
    await detailsA.getByTestId('details-status').getByText(en['status.closed'], { exact: true }).waitFor();
    await detailsB.getByTestId('details-status').getByText(en['status.closed'], { exact: true }).waitFor();
    suite.assertClean();
  });

  it('answers a wrong password and an unknown user alike, and signs out back to the form', async () => {
    const guarded = await open('sign-in', PHONE, undefined, [{ method: 'POST', path: '/api/session', status: 401 }]);
    const p = guarded.page;
    const messages: string[] = [];
    for (const account of [
      { ...suite.server.accounts.coordinator, password: 'not-the-password' },
      { username: 'nobody-here', password: 'whatever-1' },
    ]) {
      await signInExpectingError(p, suite.server.url, account);
      messages.push((await p.getByTestId('signin-error').textContent()) ?? '');
    }
    expect(messages).toEqual([en['signin.error.credentials'], en['signin.error.credentials']]);
    expect(await p.getByLabel(en['signin.username'], { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await p.screenshot({ path: path.join(ARTIFACTS, 'signin-error.png') });

    await signIn(p, suite.server.url, suite.server.accounts.field);
    await p.locator('.maplibregl-map').waitFor();
    // While the server is told, the signed-in screens are already gone: nothing on them (the
    // map's boundaries, a group's details) can ask anything more in the ending session's name,
    // which the server would refuse with a 401.
    let release = (): void => {};
    const told = new Promise<void>((resolve) => (release = resolve));
    let deleteSent = false;
    const askedAfter: string[] = [];
    p.on('request', (request) => {
      const url = new URL(request.url());
      if (deleteSent && url.pathname.startsWith('/api/')) askedAfter.push(`${request.method()} ${url.pathname}`);
    });
    await p.route('**/api/session', async (route) => {
      if (route.request().method() !== 'DELETE') return route.fallback();
      deleteSent = true;
      await told;
      await route.fallback();
    });
    await p.getByRole('button', { name: en['header.signOut'], exact: true }).click();
    await p.getByRole('status').getByText(en['app.signingOut'], { exact: true }).waitFor();
    expect(await p.locator('.maplibregl-map').count()).toBe(0);
    release();
    await p.getByRole('heading', { name: en['signin.title'], exact: true }).waitFor();
    expect(askedAfter).toEqual([]);
    guarded.assertClean();
  });
});

async function signInExpectingError(page: Page, url: string, account: Credentials): Promise<void> {
  await submitSignIn(page, url, account);
  await page.getByTestId('signin-error').waitFor();
}
