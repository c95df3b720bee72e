/**
 * The bundle library, end to end through `fieldline serve`: a technician imports a good and a
 * tampered bundle with the file picker, sees one Verified and one Refused with its reason, reads
 * the report, and finds the DEMO roots marked in the trust store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { makeDemoBundles, type DemoBundles } from '../helpers/demo-bundles.js';
import { startDemo, type Demo } from './fixtures/start-demo.js';
import { AppPage } from './pages/app-page.js';
import { BundlesPage } from './pages/bundles-page.js';

let server: Demo;
let dir: string;
let bundles: DemoBundles;

test.beforeAll(async () => {
  test.setTimeout(150_000);
  dir = await mkdtemp(join(tmpdir(), 'fieldline-e2e-bundles-'));
  bundles = await makeDemoBundles(dir);
  server = await startDemo({ gateways: 0 });
});

test.afterAll(async () => {
  await server?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('importing a good and a tampered bundle: one Verified, one Refused with its reason', async ({ page }, testInfo) => {
  const app = new AppPage(page);
  const view = new BundlesPage(page);
  await app.open(server.url);
  if ((await app.landing()) === 'first-run') {
    await app.firstRun.createProfile('E2E Technician', 'Fieldline QA');
    await app.firstRun.continueButton.click();
  }

  await test.step('the Bundles view is in the navigation and starts empty', async () => {
    await view.open();
    await expect(page).toHaveURL(/#bundles$/);
    await expect(page.getByTestId('bundles-empty')).toBeVisible();
  });

  await test.step('both files are chosen in the file picker and imported', async () => {
    await view.importThroughPicker([bundles.good, bundles.tampered]);
    await expect(view.rows).toHaveCount(2);
    await expect(view.importErrors).toHaveCount(0);
  });

  const good = view.row('gw-os-1.4.0.flb').filter({ hasNotText: 'tampered' });
  const tampered = view.row('gw-os-1.4.0-tampered.flb');

  await test.step('the good bundle is Verified, with its kind, version, signer and hardware', async () => {
    await expect(good).toHaveAttribute('data-status', 'verified');
    await expect(view.status(good)).toHaveText(/Verified/);
    await expect(good).toContainText('Gateway OS');
    await expect(good).toContainText('OS image');
    await expect(good).toContainText('1.4.0');
    await expect(good).toContainText('Demo Image Signer 1');
    await expect(good).toContainText('Emulated gateway');
  });

  await test.step('the tampered bundle stays listed as Refused, with the reason sentence and its code', async () => {
    await expect(tampered).toHaveAttribute('data-status', 'refused');
    await expect(view.status(tampered)).toContainText('Refused');
    await expect(tampered.getByTestId('bundle-reason')).toContainText('rootfs.img');
    await expect(tampered.getByTestId('bundle-reason-code')).toHaveText('payload_hash_mismatch');
  });

  await test.step('the details panel shows every check with ✓/✗, the signer key id and the payload hashes', async () => {
    await view.openRow(tampered);
    await expect(view.verdict).toHaveAttribute('data-status', 'refused');
    await expect(page.getByTestId('bundle-verdict-reason')).toContainText('rootfs.img');
    await expect(view.check('fail').first()).toContainText('payload_hash_mismatch');
    await expect(view.check('fail').first()).toContainText('✗');
    await expect(view.check('pass').first()).toContainText('✓');
    await expect(page.getByTestId('signer-key-id')).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId('payload-sha256')).toHaveCount(2);
    await expect(page.getByTestId('bundle-manifest')).toContainText('Security counter');
    const path = testInfo.outputPath('bundles-refused-details.png');
    await page.screenshot({ path });
    await testInfo.attach('bundles-refused-details', { path, contentType: 'image/png' });
  });

  await test.step('the good bundle reads Verified in its panel; Escape closes it', async () => {
    await view.openRow(good);
    await expect(view.verdict).toHaveAttribute('data-status', 'verified');
    await expect(view.check('fail')).toHaveCount(0);
    await expect(view.check('pass').first()).toBeVisible();
    const path = testInfo.outputPath('bundles-view.png');
    await page.screenshot({ path });
    await testInfo.attach('bundles-view', { path, contentType: 'image/png' });
    await page.keyboard.press('Escape');
    await expect(view.details).toHaveCount(0);
  });

  await test.step('the trust store lists the DEMO roots, clearly marked', async () => {
    await view.trustToggle.click();
    await expect(view.trustStore).toBeVisible();
    await expect(page.getByTestId('trust-key').first()).toBeVisible();
    await expect(page.getByTestId('trust-key-demo').first()).toContainText('DEMO');
    const path = testInfo.outputPath('bundles-trust-store.png');
    await page.screenshot({ path });
    await testInfo.attach('bundles-trust-store', { path, contentType: 'image/png' });
  });

  await test.step('revoking the signing key in the trust store refuses the good bundle too, with key_revoked', async () => {
    const signer = page.locator('[data-testid="trust-key"]', { hasText: 'Demo Image Signer 1' });
    await signer.getByTestId('trust-revoke').click();
    await page.getByTestId('trust-revoke-reason').fill('signing laptop lost');
    await page.getByTestId('trust-revoke-confirm').click();
    await expect(signer).toHaveAttribute('data-state', 'revoked');
    await expect(signer.getByTestId('trust-key-state')).toContainText('signing laptop lost');
    await expect(good).toHaveAttribute('data-status', 'refused');
    await expect(good.getByTestId('bundle-reason-code')).toHaveText('key_revoked');
  });

  await test.step('after a reload both bundles are still listed, refused', async () => {
    await page.reload();
    await view.root.waitFor();
    await expect(view.rows).toHaveCount(2);
    await expect(tampered).toHaveAttribute('data-status', 'refused');
    await expect(good).toHaveAttribute('data-status', 'refused');
  });
});
