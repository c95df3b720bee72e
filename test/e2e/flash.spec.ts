/**
 * The Flash view against the demo (three emulated gateways, the demo library): choose the demo
 * model bundle, see every gateway judged for it, keep two, read the summary, flash them and see
 * both succeed, then export the job's report and find both gateways and the bundle in it. When this build's engine has no flash jobs the flow is checked up to the
 * summary and the rest is skipped, decided at run time from what the view learnt from the engine.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures/demo-fixture.js';
import { AppPage } from './pages/app-page.js';
import { FlashPage } from './pages/flash-page.js';

const MODEL = 'Fieldline Demo Classifier';

test('flash the demo model bundle to two emulated gateways and see both succeed', async ({ page, demo }, testInfo) => {
  const lan = demo.gateways.filter((g) => !g.via.startsWith('serial'));
  test.skip(lan.length < 2, 'the demo server did not list two LAN gateways (external server)');
  const [first, second] = [lan[0]!, lan[1]!];
  const app = new AppPage(page);
  const flash = new FlashPage(page);
  await app.open(demo.url);
  if ((await app.landing()) === 'first-run') {
    await app.firstRun.createProfile('E2E Technician', 'Fieldline QA');
    await app.firstRun.continueButton.click();
  }
  await expect(app.devices.root).toBeVisible();
  // Every demo gateway is known before the flash starts, so the list below is complete.
  for (const g of demo.gateways) await expect(page.locator(`[data-device-id^="${g.idPrefix}"]`).first()).toBeVisible();

  await test.step('step 1: the demo library offers the model bundle', async () => {
    await flash.open();
    await expect(page).toHaveURL(/#flash$/);
    await expect(flash.step('what')).toHaveAttribute('data-state', 'current');
    await expect(flash.bundle(MODEL)).toHaveAttribute('data-choosable', 'true');
    await flash.screenshot('flash-1-what', testInfo);
    await flash.chooseBundle(MODEL);
  });

  await test.step('step 2: every gateway is checked, compatible ones are preselected', async () => {
    await expect(flash.step('where')).toHaveAttribute('data-state', 'current');
    await expect(flash.step('what')).toContainText(`${MODEL} 1.0.0`);
    for (const g of demo.gateways) {
      await expect(flash.gateway(g.idPrefix)).toHaveAttribute('data-verdict', 'compatible');
      await expect(flash.gateway(g.idPrefix).getByTestId('flash-gateway-verdict')).toHaveText(/Compatible/);
      await expect(flash.checkbox(g.idPrefix)).toBeChecked();
    }
    // Other helpers' agents may answer on loopback too: wait until every check is in, then keep
    // exactly our two (the serial demo gateway is the slow one).
    await expect(page.locator('[data-testid="flash-gateway"][data-verdict="checking"]')).toHaveCount(0);
    await expect(flash.tally).toContainText(/\d+ can be flashed/);
    const keep = new Set([first.idPrefix, second.idPrefix]);
    for (const row of await flash.gateways.all()) {
      const id = (await row.getAttribute('data-device-id')) ?? '';
      const box = row.getByTestId('flash-gateway-select');
      if (![...keep].some((p) => id.startsWith(p)) && (await box.isChecked())) await box.uncheck();
    }
    await expect(flash.reviewButton).toHaveText('Review 2 gateways');
    await flash.screenshot('flash-2-where', testInfo);
    await flash.reviewButton.click();
  });

  await test.step('step 3: the summary says what changes on exactly those two', async () => {
    await expect(flash.summary).toBeVisible();
    await expect(page.getByTestId('flash-planning')).toHaveCount(0);
    await expect(flash.summaryRows).toHaveCount(2);
    for (const g of [first, second]) {
      const row = flash.summaryRow(g.idPrefix);
      await expect(row).toContainText(g.name);
      await expect(row.getByTestId('flash-summary-id')).toHaveText(`${g.idPrefix}…`);
      await expect(row.getByTestId('flash-summary-to')).toHaveText('1.0.0');
      await expect(row.getByTestId('flash-summary-where')).toContainText('model store');
    }
    await expect(flash.startButton).toHaveText('Flash 2 gateways');
    await expect(flash.startButton).toBeEnabled();
    await flash.screenshot('flash-3-confirm', testInfo);
  });

  const engine = await flash.engineState();
  const flashAvailable = engine === 'available';
  test.skip(!flashAvailable, 'flash engine not in this build');

  await test.step('step 4: both gateways go through every step and succeed', async () => {
    // Keyboard: the button is reachable and starts the job.
    await flash.startButton.focus();
    await page.keyboard.press('Enter');
    await expect(flash.progress).toBeVisible();
    await expect(flash.step('go')).toHaveAttribute('data-state', 'current');
    await expect(flash.targets).toHaveCount(2);
    for (const g of [first, second]) {
      const row = flash.target(g.idPrefix);
      await expect(row).toHaveAttribute('data-state', 'succeeded', { timeout: 90_000 });
      await expect(row.getByTestId('flash-target-status')).toContainText('Succeeded');
      await expect(row.locator('[data-testid="flash-chip"][data-state="done"]')).toHaveCount(7);
    }
    await expect(flash.progress).toHaveAttribute('data-job-state', 'succeeded');
    await expect(page.getByTestId('flash-job-tally')).toContainText('2 of 2 succeeded');
    await flash.screenshot('flash-4-go', testInfo);
  });

  await test.step('"Export report" saves a printable record naming both gateways and the bundle', async () => {
    const exportButton = page.getByTestId('flash-export');
    await expect(exportButton).toBeVisible();
    const [download] = await Promise.all([page.waitForEvent('download'), exportButton.click()]);
    expect(download.suggestedFilename()).toMatch(/^fieldline-flash-[0-9a-f]{8}-.*\.html$/);
    const file = await download.path();
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(MODEL);
    expect(html).toContain('1.0.0');
    for (const g of [first, second]) {
      expect(html).toContain(g.name);
      expect(html).toContain(g.idPrefix);
    }
    expect(html).not.toMatch(/<script|src=/i);
  });

  await test.step('the job is still there after switching views', async () => {
    await app.devices.root.page().getByTestId('nav-devices').click();
    await expect(app.devices.root).toBeVisible();
    await flash.open();
    await expect(flash.progress).toHaveAttribute('data-job-state', 'succeeded');
  });
});
