/**
 * The first journey, end to end: open Fieldline through `fieldline serve`, create the profile,
 * see the demo's three gateways appear (two LAN, one serial), open one, read its descriptor,
 * authenticate, and narrow the list with the filter.
 */
import { expect, test } from './fixtures/demo-fixture.js';
import { demoRows } from './fixtures/demo-rows.js';
import { AppPage } from './pages/app-page.js';
import type { RowInfo } from './pages/devices-page.js';

const DEMO_GATEWAYS = 3;

test('a technician finds the demo gateways, opens one, authenticates, and filters', async ({ page, demo }, testInfo) => {
  const app = new AppPage(page);
  const devices = app.devices;

  await test.step('the token link opens the app and is stripped from the address bar', async () => {
    await app.open(demo.url);
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  });

  await test.step('first run creates the technician profile (skipped when one exists)', async () => {
    if ((await app.landing()) === 'first-run') {
      await app.firstRun.createProfile('E2E Technician', 'Fieldline QA');
      await expect(app.firstRun.keyId).toHaveText(/^[0-9a-f]{16,}$/);
      await expect(app.firstRun.enrolmentCommand).toContainText('fieldline agent --trust');
      await app.firstRun.continueButton.click();
    }
    await expect(devices.root).toBeVisible();
    await expect(app.statusItem('link')).toHaveText(/Engine connected/);
  });

  let gateways: RowInfo[] = [];
  await test.step('all three demo gateways appear: two over the LAN, one over serial', async () => {
    await expect
      .poll(async () => demoRows(await devices.allRows(), demo.gateways).length, { message: `demo gateways in the list\n${demo.output()}` })
      .toBeGreaterThanOrEqual(DEMO_GATEWAYS);
    gateways = demoRows(await devices.allRows(), demo.gateways);
    expect(gateways.filter((g) => g.badges.includes('LAN·TLS')).length).toBeGreaterThanOrEqual(2);
    expect(gateways.filter((g) => g.badges.includes('Serial')).length).toBeGreaterThanOrEqual(1);
    for (const g of gateways) expect(g.id).toMatch(/^[0-9a-f]{64}$/);
    await expect(app.statusItem('discovery')).toContainText('Discovery running');
  });

  const target = gateways.find((g) => g.badges.includes('LAN·TLS')) ?? gateways[0]!;
  await test.step(`opening ${target.name} shows its whole descriptor`, async () => {
    await devices.open(target.id);
    await expect(devices.panel.name).toHaveText(target.name);
    await expect(devices.panel.id).toHaveText(target.id);
    await expect(devices.panel.model).toHaveText(target.model);
    await expect(devices.panel.serial).toHaveText(/\S+/);
    await expect(devices.panel.vendor).toHaveText(/\S+/);
    await expect(devices.panel.firmware).toContainText('running from slot');
    await expect(devices.panel.detailError).toHaveCount(0);
  });

  await test.step('authenticate succeeds with the technician key', async () => {
    const outcome = await devices.panel.authenticate();
    expect(outcome.ok, `authentication failed:\n${outcome.text}`).toBe(true);
    await expect(devices.panel.authResult).toContainText('Authenticated as');
  });

  await test.step('screenshot of the open gateway', async () => {
    const path = testInfo.outputPath('device-panel.png');
    await page.screenshot({ path });
    await testInfo.attach('device-panel', { path, contentType: 'image/png' });
  });

  await test.step('the filter narrows the list, and clearing it brings everything back', async () => {
    const before = await devices.rows.count();
    const serial = (await devices.panel.serial.innerText()).trim();
    await devices.filter(serial);
    await expect(devices.row(target.id)).toBeVisible();
    await expect.poll(() => devices.rows.count()).toBeLessThan(before);
    await devices.filter(target.id);
    await expect(devices.rows).toHaveCount(1);
    await devices.filter('no-gateway-is-called-this');
    await expect(page.getByTestId('devices-no-match')).toBeVisible();
    await devices.filter('');
    await expect.poll(() => devices.rows.count()).toBe(before);
  });

  await test.step('the list is keyboard reachable: Enter opens the focused row', async () => {
    await devices.panel.closeButton.click();
    await devices.filter(target.id);
    await devices.openWithKeyboard(0);
    await expect(devices.panel.id).toHaveText(target.id);
  });
});
