import fs from 'node:fs/promises';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { SITREP_PATH } from '../../shared/exports/export.schema';
import { AgencyList } from '../../shared/schemas/coordination.schema';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand, signIn as signInApi } from '../support/clients';
import { readPdf } from './pdf-reader';
import { ARTIFACTS, browserSuite, signIn } from './suite';

/** A4 at the CSS pixel density (96 per inch): 210 × 297 mm. */
const A4_PX = { width: 794, height: 1123 };

/** Text with every run of white space as one space: pdf.js breaks lines where the layout did. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('situation report: printed to A4', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it('offers the exports with plain labels, issues the report, prints it to a few A4 pages with the figures and map first', async () => {
    // Work for an agency, one piece of it late: "who does what" and the overdue gap have rows.
    const { url, accounts } = suite.server;
    const socket = await connectUser(url, accounts.coordinator);
    const cookie = await signInApi(url, accounts.coordinator.username, accounts.coordinator.password);
    const iom = AgencyList.parse(await (await fetch(`${url}/api/agencies`, { headers: { cookie } })).json()).agencies.find((a) => a.acronym === 'IOM')!;
    const group = expectOk(
      await sendCommand(
        socket,
        reportCommand(makeGroupInput({ location: { lat: 32.9, lon: 13.2, accuracyM: null, placeName: 'Tripoli – test site', siteType: 'other' } })),
      ),
    ).group;
    const late = new Date(Date.now() - 3_600_000).toISOString();
    expectOk(
      await sendCommand(socket, {
        type: 'assignment.create',
        commandId: uuidv7(),
        groupId: group.id,
        baseVersion: group.version,
        assignment: { id: uuidv7(), needId: group.needs[0]!.id, agencyId: iom.id, note: '', expectedBy: late },
      }),
    );
    socket.close();

    const { page } = await suite.open('coordinator', undefined, { acceptDownloads: true });
    await signIn(page, suite.server.url, suite.server.accounts.coordinator);

    // The exports tab: each file with words that say what it holds; a download leaves as a file.
    await page.getByRole('tab', { name: en['coord.tab.data'], exact: true }).click();
    const exportsPanel = page.getByTestId('exports');
    for (const key of [
      'exports.groupsCsv',
      'exports.groupsGeoJson',
      'exports.shareableCsv',
      'exports.shareableGeoJson',
      'exports.threeW',
      'exports.sitrep',
    ] as const) {
      await exportsPanel.getByRole('link', { name: en[key], exact: true }).waitFor();
    }
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-groups-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^waymark-groups-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await fs.readFile((await download.path()) ?? expect.fail('no download'), 'utf8');
    // The BOM for spreadsheets, then the header and the hashtag row: the id is #meta+id (HXL's #group is an armed group).
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.split('\r\n')[1]).toMatch(/^#meta\+id,#country\+code,#adm1\+name/);

    // The report at its own URL, ready once its figures and the map's outlines are in. The workspace's
    // map is let finish first (names, boundaries, fonts): leaving while they load aborts those
    // requests, which the guarded page counts as failures.
    await page.locator('.group-map[data-ready="true"]').waitFor({ timeout: 45_000 });
    await page.goto(`${suite.server.url}${SITREP_PATH}`);
    const report = page.getByTestId('sitrep');
    await report.and(page.locator('[data-ready="true"]')).waitFor({ timeout: 45_000 });
    await page.getByRole('heading', { level: 1, name: en['sitrep.title'].replace('{number}', '1') }).waitFor();
    expect(await page.getByTestId('sitrep-status').textContent()).toContain('since the crisis started');
    await page.getByTestId('sitrep-issue').click();
    await page
      .getByTestId('sitrep-status')
      .getByText(/^Issued /)
      .waitFor();
    expect(await page.getByTestId('sitrep-figure').count()).toBe(7);
    expect(await page.locator('[data-figure="overdueAssignments"] td').first().textContent()).toBe('1');
    await page.getByRole('row', { name: /^IOM WASH 1 0 0 1 / }).waitFor();
    expect(await page.locator('[data-testid="sitrep-map"] path.cell').count()).toBeGreaterThan(0);

    const pdfPath = path.join(ARTIFACTS, 'sitrep.pdf');
    const pdf = await readPdf(await page.pdf({ format: 'A4', path: pdfPath, printBackground: true }));
    try {
      // Figures and map on the first page, the tables after: a few pages, never one long strip.
      expect(pdf.pages).toBeGreaterThanOrEqual(2);
      expect(pdf.pages).toBeLessThanOrEqual(5);
      const first = flat(await pdf.text(1));
      for (const heading of ['Situation report no. 1', en['sitrep.figures'], en['sitrep.map'], en['sitrep.band.4']]) expect(first).toContain(flat(heading));
      expect(flat(await pdf.text(pdf.pages))).toContain(flat(en['sitrep.footer'].slice(0, 40)));

      // Page 1 of the PDF itself as a picture to look at (70 dpi).
      const pngPath = path.join(ARTIFACTS, 'sitrep-page-1.png');
      await fs.rm(pngPath, { force: true });
      await pdf.renderPng(1, 70 / 72, pngPath);
      await fs.access(pngPath);
    } finally {
      await pdf.close();
    }

    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize(A4_PX);
    // In print layout nothing is wider than the page (a wide table would be cut at the margin).
    const widest = await report.evaluate((el) => Math.max(...[...el.querySelectorAll('table, svg')].map((t) => t.getBoundingClientRect().right)));
    expect(widest).toBeLessThanOrEqual(A4_PX.width);
    expect(await page.locator('.app-header').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    suite.assertClean();
  });
});
