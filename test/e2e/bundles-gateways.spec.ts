/**
 * The bundle panel's Gateways section against the demo gateways: the demo OS bundle (built for
 * every emulated model) is Compatible with gw-01, and a bundle built for another model is listed
 * as Not compatible with its reason and code.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoBundles, type DemoBundles } from '../helpers/demo-bundles.js';
import { expect, test } from './fixtures/demo-fixture.js';
import { AppPage } from './pages/app-page.js';
import { BundlesPage } from './pages/bundles-page.js';

let dir: string;
let other: DemoBundles;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fieldline-e2e-gateways-'));
  other = await makeDemoBundles(dir);
});

test.afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('a bundle is checked against the demo gateways: Compatible, or Not compatible with the reason', async ({ page, demo }, testInfo) => {
  const gw01 = demo.gateways.find((g) => g.name === 'gw-01');
  test.skip(gw01 === undefined, 'the demo server did not list its gateways (external server)');
  const app = new AppPage(page);
  const view = new BundlesPage(page);
  await app.open(demo.url);
  if ((await app.landing()) === 'first-run') {
    await app.firstRun.createProfile('E2E Technician', 'Fieldline QA');
    await app.firstRun.continueButton.click();
  }
  const gatewayRow = page.locator(`[data-testid="bundle-gateway"][data-device-id^="${gw01!.idPrefix}"]`);

  await test.step('the demo OS bundle is Compatible with gw-01 (EdgeBox X1)', async () => {
    await expect(app.devices.root).toBeVisible();
    await view.open();
    await view.openRow(view.row('Fieldline Demo OS'));
    await expect(gatewayRow).toBeVisible();
    await expect(gatewayRow).toContainText('Not checked yet');
    await page.getByTestId('bundle-gateways-check').click();
    await expect(gatewayRow).toHaveAttribute('data-verdict', 'compatible');
    await expect(gatewayRow.getByTestId('bundle-gateway-verdict')).toHaveText(/^✓\s*Compatible$/);
  });

  await test.step('a bundle for another model stays listed against gw-01 as Not compatible, with the reason and its code', async () => {
    await view.importThroughPicker([other.good]);
    await expect(view.details).toContainText('Gateway OS 1.4.0');
    await page.getByTestId('bundle-gateways-check').click();
    await expect(gatewayRow).toHaveAttribute('data-verdict', 'incompatible');
    await expect(gatewayRow.getByTestId('bundle-gateway-verdict')).toContainText('Not compatible: this bundle is for Emulated gateway');
    await expect(gatewayRow.getByTestId('bundle-gateway-code')).toHaveText('hardware_incompatible');
    const path = testInfo.outputPath('bundle-gateways.png');
    await page.screenshot({ path });
    await testInfo.attach('bundle-gateways', { path, contentType: 'image/png' });
  });
});
