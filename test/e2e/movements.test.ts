import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ar from '../../client/lib/i18n/ar';
import en from '../../client/lib/i18n/en';
import { connectFixture, expectOk, makeGroupInput, reportCommand, sendCommand, statusCommand } from '../support/clients';
import { LAPTOP, SMALL_PHONE, mapOf, waitForConnection } from './field-helpers';
import { ARTIFACTS, browserSuite, signIn } from './suite';

// Issue 20 in a real browser: a coordinator adds a shelter and creates a movement from the map (a
// point clicked, the shelter's symbol clicked), fills its manifest with recorded consent, is warned
// and refused over the shelter's capacity, and runs the leg; the consulate confirms its nationals'
// documents; the carrier's responder checks the groups in on a 360 px phone with no connection, and
// the check-ins reach the server when it comes back; the consulate watches its nationals board; the
// carrier reports the departure and the coordinator, seeing it live, adds the onward leg.

/** The laptop screen the Movements tab is checked at (the suite's LAPTOP is taller). */
const LAPTOP_768 = { width: 1366, height: 768 };

describe('movements', () => {
  const suite = browserSuite({ staticDir: 'dist/client' });

  it('is created by a coordinator, checked in offline by the carrier on a phone, and followed by the consulate', async () => {
    const server = suite.server;
    const socket = await connectFixture(server, 'coordinator');
    const groups: string[] = [];
    for (const name of ['E2E port gate', 'E2E old market']) {
      const input = makeGroupInput({ nationalities: [{ code: 'NGA', count: 6 }], headcount: { total: 6 }, consentConsulate: 'yes', needs: [] });
      input.location.placeName = name;
      const reported = expectOk(await sendCommand(socket, reportCommand(input)));
      groups.push(expectOk(await sendCommand(socket, statusCommand(input.id, reported.group.version, 'verified'))).group.id);
    }

    // The coordinator adds a shelter from the map (Enter on the focused map picks its centre): 10
    // places, 5 taken.
    const { page: c } = await suite.open('movements-coordinator', LAPTOP);
    await signIn(c, server.url, server.fixtureAccounts.coordinator!);
    await mapOf(c).and(c.locator('[data-ready="true"]')).waitFor({ timeout: 45_000 });
    await c.getByRole('tab', { name: en['sites.tab'], exact: true }).click();
    await c.getByTestId('site-add').click();
    const canvas = c.locator('.maplibregl-canvas');
    await canvas.focus();
    await c.keyboard.press('Enter');
    const siteForm = c.getByTestId('site-form');
    await siteForm.getByTestId('site-form-location').waitFor();
    const shelter = 'E2E Zawiya shelter';
    await siteForm.getByLabel(en['sites.field.name'], { exact: true }).fill(shelter);
    await siteForm.getByLabel(en['sites.field.capacity'], { exact: true }).fill('10');
    await siteForm.getByLabel(en['sites.field.occupancy'], { exact: true }).fill('5');
    await siteForm.getByTestId('site-save').click();
    await c.getByTestId('site-details').getByRole('heading', { name: shelter }).waitFor();
    await mapOf(c).and(c.locator('[data-ready="true"][data-site-count="1"][data-moving="false"]')).waitFor({ timeout: 45_000 });

    // A movement from the map: "from" a point clicked in the open, "to" the shelter's symbol (at the centre).
    await c.getByRole('tab', { name: en['movement.tab'], exact: true }).click();
    const form = c.getByTestId('movement-form');
    await form.getByTestId('movement-carrier').selectOption({ label: 'IOM' });
    await form.getByTestId('movement-seats').fill('30');
    const box = (await canvas.boundingBox()) ?? expect.fail('no map');
    await form.getByTestId('movement-from').getByTestId('leg-end-pick').click();
    await c.mouse.click(box.x + box.width / 2 + 120, box.y + box.height / 2 + 90);
    await form
      .getByTestId('movement-from')
      .getByTestId('leg-end-chosen')
      .getByText(/^Point /)
      .waitFor();
    await form.getByTestId('movement-to').getByTestId('leg-end-pick').click();
    await c.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await form.getByTestId('movement-to').getByTestId('leg-end-chosen').getByText(shelter).waitFor();
    await form.getByTestId('movement-departs').fill('2026-12-07T08:00');
    await form.getByTestId('movement-create').click();
    const movement = c.getByTestId('movement');
    await movement.waitFor();
    const movementId = (await movement.getAttribute('data-movement-id')) ?? expect.fail('no movement id');
    const stored = await server.repositories.movements.findById(movementId);
    expect(stored?.legs[0]?.to.siteId).toBe((await server.repositories.sites.pageByCrisis(stored!.crisisId, '', 10))[0]?.id);
    expect(stored?.legs[0]?.from.siteId).toBeNull();
    expect([typeof stored?.legs[0]?.plannedDeparture, stored?.legs[0]?.plannedArrival]).toEqual(['string', null]);

    // The manifest: each group with its recorded consent; a "no" cannot be sent.
    const manifest = c.getByTestId('manifest-form');
    for (const [i, id] of groups.entries()) {
      await manifest.getByTestId('manifest-movement').selectOption(movementId);
      await manifest.getByTestId('manifest-group').selectOption(id);
      await manifest.getByTestId('manifest-no-consent').check();
      expect(await manifest.getByTestId('manifest-add').isDisabled()).toBe(true);
      await manifest.getByTestId('manifest-consent').check();
      if (i === 0) await manifest.getByTestId('manifest-needs').fill('one wheelchair');
      await manifest.getByTestId('manifest-add').click();
      await c.locator(`[data-testid="manifest-row"][data-group-id="${id}"]`).waitFor();
    }

    // 12 people for 5 free places: the coordinator is warned, a plain confirmation is refused by
    // name, and one that accepts the overflow goes through.
    await movement.getByTestId('capacity-warning').getByText(`12 people for 5 free places at ${shelter}`, { exact: true }).waitFor();
    await movement.getByTestId('leg-to-confirmed').click();
    await movement.getByTestId('leg-refused').getByText(en['movement.refusal.site_full'], { exact: false }).waitFor();
    await movement.getByTestId('capacity-accept').check();
    await movement.getByTestId('leg-to-confirmed').click();
    await movement.getByTestId('leg-status').getByText(en['movement.leg.confirmed'], { exact: true }).waitFor();
    await c.setViewportSize(LAPTOP_768);
    await c.screenshot({ path: path.join(ARTIFACTS, 'movements-coordinator-1366.png') });
    await c.setViewportSize(SMALL_PHONE);
    await c.getByTestId('movements-panel').scrollIntoViewIfNeeded();
    await c.screenshot({ path: path.join(ARTIFACTS, 'movements-coordinator-360.png'), fullPage: true });
    await c.getByLabel(en['language.label'], { exact: true }).selectOption('ar');
    await movement.getByTestId('leg-status').getByText(ar['movement.leg.confirmed']!, { exact: true }).waitFor();
    await c.screenshot({ path: path.join(ARTIFACTS, 'movements-coordinator-360-ar.png'), fullPage: true });
    await c.setViewportSize(LAPTOP_768);
    await c.screenshot({ path: path.join(ARTIFACTS, 'movements-coordinator-1366-ar.png') });
    await c.getByLabel(ar['language.label']!, { exact: true }).selectOption('en');

    // The consulate follows its nationals on the manifest.
    const { page: e } = await suite.open('movements-embassy', LAPTOP);
    await signIn(e, server.url, server.fixtureAccounts.embassy!);
    await e.getByRole('tab', { name: en['consular.tab.evacuation'], exact: true }).click();
    for (const id of groups) {
      const row = e.locator(`[data-testid="nationals-row"][data-group-id="${id}"][data-state="listed"]`);
      await row.getByTestId('documents-confirmed').click();
      await row.locator('[data-testid="documents"][data-documents="confirmed"]').waitFor();
    }
    expect((await server.repositories.movements.findById(movementId))?.manifest.map((x) => x.documents)).toEqual(['confirmed', 'confirmed']);

    // The carrier on a small phone: check-ins with no connection wait on the device, then go.
    const carrier = await suite.open('movements-carrier', SMALL_PHONE, { isMobile: true, hasTouch: true });
    const p = carrier.page;
    await signIn(p, server.url, server.fixtureAccounts.responder!);
    await p.getByRole('tab', { name: en['movement.tab'], exact: true }).click();
    const row = (id: string, state: string) => p.locator(`[data-testid="boarding-row"][data-group-id="${id}"][data-state="${state}"]`);
    for (const id of groups) await row(id, 'listed').waitFor();
    carrier.outage = true;
    await carrier.context.setOffline(true);
    await waitForConnection(p, 'offline');
    for (const id of groups) {
      await row(id, 'listed').getByTestId('checkin-checked_in').click();
      await row(id, 'checked_in').getByTestId('boarding-waiting').waitFor();
    }
    await p.screenshot({ path: path.join(ARTIFACTS, 'movements-carrier-360-offline.png'), fullPage: true });
    expect((await server.repositories.movements.findById(movementId))?.manifest.map((x) => x.state)).toEqual(['listed', 'listed']);
    await carrier.context.setOffline(false);
    await waitForConnection(p, 'connected');
    carrier.outage = false;
    for (const id of groups) await row(id, 'checked_in').getByTestId('checkin-boarded').waitFor();
    expect((await server.repositories.movements.findById(movementId))?.manifest.map((x) => x.state)).toEqual(['checked_in', 'checked_in']);

    // Boarding opens (the coordinator runs the leg), and the carrier boards both groups.
    await movement.getByTestId('leg-to-boarding').click();
    await movement.getByTestId('leg-status').getByText(en['movement.leg.boarding'], { exact: true }).waitFor();
    for (const id of groups) {
      await row(id, 'checked_in').getByTestId('checkin-boarded').click();
      await row(id, 'boarded').waitFor();
    }
    await p.screenshot({ path: path.join(ARTIFACTS, 'movements-carrier-360.png'), fullPage: true });

    // The consulate sees its nationals board, live.
    for (const id of groups) await e.locator(`[data-testid="nationals-row"][data-group-id="${id}"][data-state="boarded"]`).waitFor();
    await e.screenshot({ path: path.join(ARTIFACTS, 'movements-embassy.png') });

    // The carrier reports the departure from its phone (the steps the state table allows, no
    // capacity override); the coordinator sees it live, stamped with its time.
    const carried = p.getByTestId('movement');
    expect(await carried.getByTestId('capacity-accept').count()).toBe(0);
    await carried.getByTestId('leg-to-departed').click();
    await carried.locator('[data-testid="leg"][data-status="departed"]').getByTestId('leg-to-arrived').waitFor();
    await movement.locator('[data-testid="leg"][data-status="departed"]').getByTestId('leg-departed-at').waitFor();
    await p.screenshot({ path: path.join(ARTIFACTS, 'movements-carrier-360-departed.png'), fullPage: true });

    // Under way, the coordinator adds the onward leg: it starts where the last one ends (the
    // shelter), its end is picked on the map by the movement form's own picking.
    await movement.getByTestId('movement-add-leg').click();
    await form.and(c.locator('[data-adding-leg="true"]')).waitFor();
    await form.getByTestId('movement-from').getByTestId('leg-end-chosen').getByText(shelter).waitFor();
    const box2 = (await canvas.boundingBox()) ?? expect.fail('no map');
    await form.getByTestId('movement-to').getByTestId('leg-end-pick').click();
    await c.mouse.click(box2.x + box2.width / 2 - 140, box2.y + box2.height / 2 - 100);
    await form
      .getByTestId('movement-to')
      .getByTestId('leg-end-chosen')
      .getByText(/^Point /)
      .waitFor();
    await form.getByTestId('movement-departs').fill('2026-12-08T07:00');
    await c.setViewportSize(SMALL_PHONE);
    await c.getByLabel(en['language.label'], { exact: true }).selectOption('ar');
    await form.getByRole('heading', { name: new RegExp(`^${ar['movement.addLeg.title']!.replace('{route}', '')}`) }).waitFor();
    await form.scrollIntoViewIfNeeded();
    await c.screenshot({ path: path.join(ARTIFACTS, 'movements-add-leg-360-ar.png') });
    await movement.getByTestId('movement-add-leg').scrollIntoViewIfNeeded();
    await c.screenshot({ path: path.join(ARTIFACTS, 'movements-legs-360-ar.png') });
    await c.getByLabel(ar['language.label']!, { exact: true }).selectOption('en');
    await c.setViewportSize(LAPTOP_768);
    await form.getByTestId('movement-add-leg-submit').click();
    await form.and(c.locator('[data-adding-leg="false"]')).waitFor();
    await movement.locator('[data-testid="leg"][data-status="planned"]').waitFor();
    const twoLegs = (await server.repositories.movements.findById(movementId))!;
    expect(twoLegs.legs.map((l) => [l.status, l.from.siteId === stored?.legs[0]?.to.siteId, typeof l.plannedDeparture])).toEqual([
      ['departed', false, 'string'],
      ['planned', true, 'string'],
    ]);
    expect(twoLegs.carrierAgencyId).toBe(stored?.carrierAgencyId);
    // The carrier sees the new leg live.
    await carried.locator('[data-testid="leg"][data-status="planned"]').waitFor();

    // The coordinator records the first leg's arrival, stamped with its time.
    await movement.getByTestId('leg-to-arrived').click();
    await movement.getByTestId('leg-arrived-at').waitFor();
    const arrivedLeg = (await server.repositories.movements.findById(movementId))?.legs[0];
    expect([arrivedLeg?.status, typeof arrivedLeg?.actualDeparture, typeof arrivedLeg?.actualArrival]).toEqual(['arrived', 'string', 'string']);
    socket.close();
    suite.assertClean();
  });
});
