import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { connectFixture, expectOk, makeGroupInput, reportCommand, sendCommand, statusCommand } from '../support/clients';
import { LAPTOP, SMALL_PHONE, waitForConnection } from './field-helpers';
import { ARTIFACTS, browserSuite, signIn } from './suite';

// Issue 20 in a real browser: a coordinator creates a movement from the Movements tab and fills its
// manifest; the carrier's responder checks the groups in on a 360 px phone with no connection, and
// the check-ins reach the server when it comes back; the consulate watches its nationals board.

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

    // The coordinator: a movement from the panel, with places from the place search.
    const { page: c } = await suite.open('movements-coordinator', LAPTOP);
    await signIn(c, server.url, server.fixtureAccounts.coordinator!);
    await c.getByRole('tab', { name: en['movement.tab'], exact: true }).click();
    const form = c.getByTestId('movement-form');
    await form.getByTestId('movement-carrier').selectOption({ label: 'IOM' });
    await form.getByTestId('movement-seats').fill('30');
    const search = form.getByRole('combobox', { name: en['place.search.label'] });
    const [fromBox, toBox] = [search.nth(0), search.nth(1)];
    await fromBox.fill('tripoli');
    await form.locator('fieldset').nth(0).getByTestId('place-result').first().click();
    await toBox.fill('zawiya');
    await form.locator('fieldset').nth(1).getByTestId('place-result').first().click();
    await form.getByTestId('movement-create').click();
    const movement = c.getByTestId('movement');
    await movement.waitFor();
    const movementId = (await movement.getAttribute('data-movement-id')) ?? expect.fail('no movement id');
    const manifest = c.getByTestId('manifest-form');
    for (const id of groups) {
      await manifest.getByTestId('manifest-movement').selectOption(movementId);
      await manifest.getByTestId('manifest-group').selectOption(id);
      await manifest.getByTestId('manifest-consent').check();
      await manifest.getByTestId('manifest-add').click();
      await c.locator(`[data-testid="manifest-row"][data-group-id="${id}"]`).waitFor();
    }
    await manifest.getByTestId('movement-confirm-leg').click();
    await movement.getByTestId('leg-status').getByText(en['movement.leg.confirmed'], { exact: true }).waitFor();
    await c.screenshot({ path: path.join(ARTIFACTS, 'movements-coordinator.png') });

    // The consulate follows its nationals on the manifest.
    const { page: e } = await suite.open('movements-embassy', LAPTOP);
    await signIn(e, server.url, server.fixtureAccounts.embassy!);
    await e.getByRole('tab', { name: en['consular.tab.evacuation'], exact: true }).click();
    for (const id of groups) await e.locator(`[data-testid="nationals-row"][data-group-id="${id}"][data-state="listed"]`).waitFor();

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

    // Boarding opens (the carrier's driver reports it), and the carrier boards both groups.
    const carrierSocket = await connectFixture(server, 'responder');
    const legId = (await server.repositories.movements.findById(movementId))!.legs[0]!.id;
    expect((await sendCommand(carrierSocket, { type: 'movement.setLegStatus', commandId: uuidv7(), movementId, legId, status: 'boarding' })).ok).toBe(true);
    for (const id of groups) {
      await row(id, 'checked_in').getByTestId('checkin-boarded').click();
      await row(id, 'boarded').waitFor();
    }
    await p.screenshot({ path: path.join(ARTIFACTS, 'movements-carrier-360.png'), fullPage: true });

    // The consulate sees its nationals board, live.
    for (const id of groups) await e.locator(`[data-testid="nationals-row"][data-group-id="${id}"][data-state="boarded"]`).waitFor();
    await e.screenshot({ path: path.join(ARTIFACTS, 'movements-embassy.png') });
    socket.close();
    carrierSocket.close();
    suite.assertClean();
  });
});
