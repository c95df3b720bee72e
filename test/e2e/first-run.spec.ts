/**
 * A laptop that has never run Fieldline: the first-run screen creates the technician profile
 * and key through the real engine, explains how gateways come to trust it, and the Devices view
 * can say what discovery tried (here: loopback only, no demo gateways started).
 */
import { expect, test } from '@playwright/test';
import { startDemo, type Demo } from './fixtures/start-demo.js';
import { AppPage } from './pages/app-page.js';

let server: Demo;

test.beforeAll(async () => {
  test.setTimeout(150_000);
  server = await startDemo({ gateways: 0 });
});

test.afterAll(async () => {
  await server.stop();
});

test('first run creates the profile and key, then the discovery report lists what was tried', async ({ page }, testInfo) => {
  const app = new AppPage(page);
  await app.open(server.url);
  expect(await app.landing(), `a fresh data folder must start at first run\n${server.output()}`).toBe('first-run');

  await test.step('empty fields get a specific message, not a created profile', async () => {
    await app.firstRun.createButton.click();
    await expect(page.getByRole('alert')).toContainText('Enter your name and your organisation');
    await expect(app.firstRun.created).toHaveCount(0);
  });

  await test.step('the profile and key are created and shown, copyable, with the enrolment command', async () => {
    await app.firstRun.createProfile('Ana Técnica', 'Fieldline QA');
    await expect(app.firstRun.keyId).toHaveText(/^[0-9a-f]{64}$/);
    const publicKey = (await app.firstRun.publicKey.innerText()).trim();
    expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
    await expect(app.firstRun.enrolmentCommand).toHaveText(`fieldline agent --trust ${publicKey} --name 'Ana Técnica'`);
    await expect(page.getByTestId('trust-explainer')).toContainText('private half never leaves it');
    const path = testInfo.outputPath('first-run-key.png');
    await page.screenshot({ path });
    await testInfo.attach('first-run-key', { path, contentType: 'image/png' });
    await app.firstRun.continueButton.click();
  });

  await test.step('the Devices view opens and the report names the loopback interface it searched', async () => {
    await expect(app.devices.root).toBeVisible();
    await expect(page.getByTestId('profile-menu')).toContainText('Ana Técnica');
    // With nothing found the empty state shows the report; if other agents answer on this
    // machine's loopback, the report is one click away instead.
    await expect(app.devices.empty.or(app.devices.rows.first())).toBeVisible();
    if (await app.devices.empty.isVisible()) {
      // Nothing found: the next step offered is reaching the gateway by its address.
      await expect(page.getByTestId('empty-add-by-address')).toContainText('Know its address? Add it directly');
      await page.getByTestId('empty-add-by-address-button').click();
      await expect(app.devices.addForm.input).toBeFocused();
      await page.keyboard.press('Escape');
      await expect(app.devices.addForm.root).toHaveCount(0);
    } else await page.getByTestId('report-toggle').click();
    const report = page.getByTestId('discovery-report');
    await expect(report).toHaveCount(1);
    await expect(report.getByTestId('report-interfaces')).toContainText('lo');
    await expect(report.getByTestId('discovery-report-summary')).toContainText('1 network interface searched');
    const path = testInfo.outputPath('discovery-report.png');
    await page.screenshot({ path });
    await testInfo.attach('discovery-report', { path, contentType: 'image/png' });
  });

  await test.step('after a reload the profile is remembered: no first run again', async () => {
    await page.reload();
    expect(await app.landing()).toBe('devices');
  });
});
