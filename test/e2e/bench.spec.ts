/**
 * The Benchmark view against the demo: the demo gateways hold no model, so one is flashed with the
 * demo model bundle through the Flash view first; then a benchmark runs on it and the charts, the
 * statistics and the verdict show, a diagnosis against the library bundle passes, and the run is
 * listed under the gateway's previous runs. A second run (for a set time, with the per-operator
 * profile) is compared with the first side by side; a diagnosis against the demo library's
 * deliberately wrong classifier (same name and version, other weights) fails and says why.
 *
 * It starts its own demo (not the shared worker fixture) because it changes a gateway's models,
 * which the other specs expect to find empty.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { startDemo, type Demo } from './fixtures/start-demo.js';
import { AppPage } from './pages/app-page.js';
import { BenchPage } from './pages/bench-page.js';
import { FlashPage } from './pages/flash-page.js';

const MODEL = 'Fieldline Demo Classifier';

let demo: Demo;

test.beforeAll(async () => {
  test.setTimeout(150_000);
  demo = await startDemo();
});

test.afterAll(async () => {
  await demo?.stop();
});

test('benchmark a flashed emulated gateway and see the charts, the statistics and the verdict', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const lan = demo.gateways.filter((g) => !g.via.startsWith('serial'));
  test.skip(lan.length < 1, 'the demo server did not list a LAN gateway (external server)');
  const gateway = lan[0]!;
  const app = new AppPage(page);
  const flash = new FlashPage(page);
  const bench = new BenchPage(page);
  await app.open(demo.url);
  if ((await app.landing()) === 'first-run') {
    await app.firstRun.createProfile('E2E Technician', 'Fieldline QA');
    await app.firstRun.continueButton.click();
  }
  await expect(app.devices.root).toBeVisible();
  await expect(page.locator(`[data-device-id^="${gateway.idPrefix}"]`).first()).toBeVisible();

  await test.step('before any flash the gateway cannot be benchmarked, and says why', async () => {
    await bench.open();
    await expect(page).toHaveURL(/#bench$/);
    await expect(bench.deviceOption(gateway.idPrefix)).toBeDisabled();
    await expect(bench.runButton).toBeDisabled();
  });

  await test.step('flash the demo model bundle to one gateway through the Flash view', async () => {
    await flash.open();
    // The demo library holds the real classifier and its deliberately wrong variant: the real one leads.
    const files = await flash.bundles.filter({ hasText: MODEL }).allTextContents();
    const real = files.findIndex((t) => t.includes('fieldline-demo-classifier-1.0.0.flb'));
    const wrong = files.findIndex((t) => t.includes('fieldline-demo-classifier-1.0.0-wrong.flb'));
    expect(real).toBeGreaterThanOrEqual(0);
    expect(wrong).toBeGreaterThan(real);
    await flash.chooseBundle(MODEL);
    await expect(page.locator('[data-testid="flash-gateway"][data-verdict="checking"]')).toHaveCount(0);
    for (const row of await flash.gateways.all()) {
      const id = (await row.getAttribute('data-device-id')) ?? '';
      const box = row.getByTestId('flash-gateway-select');
      if (!id.startsWith(gateway.idPrefix) && (await box.isChecked())) await box.uncheck();
    }
    await expect(flash.checkbox(gateway.idPrefix)).toBeChecked();
    await expect(flash.reviewButton).toHaveText('Review 1 gateway');
    await flash.reviewButton.click();
    await expect(flash.startButton).toBeEnabled();
    test.skip((await flash.engineState()) !== 'available', 'flash engine not in this build');
    await flash.startButton.click();
    await expect(flash.target(gateway.idPrefix)).toHaveAttribute('data-state', 'succeeded', { timeout: 90_000 });
  });

  await test.step('run a benchmark: progress, then charts, statistics and verdict', async () => {
    await bench.open();
    await expect(bench.deviceOption(gateway.idPrefix)).toBeEnabled();
    await bench.chooseDevice(gateway.idPrefix);
    await expect(bench.modelSelect).toContainText(MODEL);
    await expect(bench.iterations).toHaveValue('200');
    await expect(page.getByTestId('bench-mode-iterations')).toBeChecked();
    await expect(page.getByTestId('bench-provider')).toHaveValue('');
    await expect(page.getByTestId('bench-profile-box')).not.toBeChecked();
    await bench.runButton.click();
    await expect(bench.runButton).toBeDisabled();
    await expect(bench.result).toBeVisible({ timeout: 120_000 });
    await expect(bench.runError).toHaveCount(0);
    await expect(bench.histogramCanvas.first()).toBeVisible();
    await expect(bench.cdfCanvas.first()).toBeVisible();
    await expect(bench.verdict).toHaveAttribute('data-verdict', /^(pass|warn|fail|no-baseline)$/);
    await expect(bench.verdict.locator('.notice__title')).not.toBeEmpty();
    await expect(bench.stats.locator('[data-stat="p50"] td')).toHaveText(/\d.*(µs|ms|s)$/);
    await expect(bench.stats.locator('[data-stat="throughput"] td')).toHaveText(/inferences\/s$/);
    await expect(bench.stats).toContainText('200 timed inferences');
    await expect(bench.historyRows).toHaveCount(1);
    await bench.screenshot('bench-result', testInfo);
  });

  await test.step('diagnose the model against the library bundle: it passes', async () => {
    // Two library bundles hold a model of that name; the one holding the installed file is the default.
    const reference = page.getByTestId('bench-diagnose-bundle');
    await expect(reference.locator('option')).toHaveCount(2);
    const holds = reference.locator('option[data-holds-installed="true"]');
    await expect(holds).toHaveCount(1, { timeout: 30_000 });
    await expect(holds).toHaveAttribute('data-file-name', 'fieldline-demo-classifier-1.0.0.flb');
    await expect(reference).toHaveValue((await holds.getAttribute('value'))!);
    await expect(reference.locator('option[data-file-name$="-wrong.flb"]')).toContainText('Another model file than the installed one');
    await bench.diagnoseButton.click();
    await expect(bench.diagnosis).toBeVisible({ timeout: 90_000 });
    await expect(bench.diagnosis).toHaveAttribute('data-verdict', 'pass');
    await expect(page.getByTestId('bench-diagnosis-row').first()).toBeVisible();
    await bench.screenshot('bench-diagnosis', testInfo);
  });

  await test.step('the diagnosis is listed under the gateway’s previous diagnoses, with its verdict and explanation', async () => {
    const rows = page.getByTestId('bench-diagnoses-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-verdict', 'pass');
    await expect(rows.first()).toContainText('Pass');
    await expect(rows.first()).toContainText('golden inputs');
  });

  await test.step('export the run’s report as a self-contained HTML file, and print it', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('bench-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^fieldline-bench-[0-9a-f]{8}-fieldline-demo-classifier-1\.0\.0-.+\.html$/);
    const html = await readFile((await file.path())!, 'utf8');
    expect(html).toContain('Statistics (200 timed inferences)');
    expect(html).toContain('PASS — the gateway computes what the bundle expects');
    expect(html).not.toContain('<script');

    // The printer is the physical boundary: count the print() calls instead of printing.
    await page.evaluate('window.printed = 0; window.print = () => { window.printed += 1; }');
    await page.getByTestId('bench-print-button').click();
    await expect.poll(() => page.evaluate('window.printed')).toBe(1);
    await expect(page.getByTestId('bench-print')).toContainText('Statistics (200 timed inferences)');
  });

  await test.step('run for a set time with the per-operator profile: the profile table shows each operator’s share', async () => {
    await page.getByTestId('bench-mode-duration').check();
    await expect(bench.iterations).toHaveCount(0);
    await page.getByTestId('bench-duration').fill('1');
    await page.getByTestId('bench-profile-box').check();
    await bench.runButton.click();
    await expect(bench.historyRows).toHaveCount(2, { timeout: 120_000 });
    await expect(bench.runError).toHaveCount(0);
    const profile = page.getByTestId('bench-profile');
    await expect(profile).toBeVisible();
    await expect(page.getByTestId('bench-profile-row').first()).toBeVisible();
    await expect(page.getByTestId('bench-profile-share').first()).toHaveText(/^\d+(\.\d)? %$/);
    await expect(bench.result).toContainText('duration 1.0 s');
    await page.getByTestId('bench-mode-iterations').check();
    await page.getByTestId('bench-profile-box').uncheck();
  });

  await test.step('compare the two runs side by side: differences against the first, settings flagged, CDFs overlaid', async () => {
    const picks = page.locator('[data-testid="bench-compare-run"]');
    await expect(picks).toHaveCount(2);
    // Newest first: tick the older (200 iterations) run first, so it is the reference.
    await picks.nth(1).getByTestId('bench-compare-pick').check();
    await picks.nth(0).getByTestId('bench-compare-pick').check();
    const table = page.getByTestId('bench-compare-table');
    await expect(table).toBeVisible();
    await expect(table.locator('thead th')).toHaveCount(3);
    await expect(table.locator('[data-stat="p99"] [data-testid="bench-compare-delta"]')).toHaveText(/^([+−]\d+(\.\d)? %|±0 %)/);
    await expect(page.getByTestId('bench-compare-flag').first()).toContainText(
      'settings differ: length 200 iterations vs 1.0 s, profiling off vs on',
    );
    await expect(page.getByTestId('bench-compare-cdf').locator('canvas').first()).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('bench-compare-cdf').scrollIntoViewIfNeeded();
    await bench.screenshot('bench-compare', testInfo);
  });

  await test.step('diagnose against the deliberately wrong bundle: it fails, saying the model is not the one in the bundle', async () => {
    const reference = page.getByTestId('bench-diagnose-bundle');
    const wrong = reference.locator('option[data-file-name$="-wrong.flb"]');
    await reference.selectOption((await wrong.getAttribute('value'))!);
    await bench.diagnoseButton.click();
    await expect(bench.diagnosis).toHaveAttribute('data-verdict', 'wrong-model', { timeout: 90_000 });
    await expect(page.getByTestId('bench-diagnosis-verdict')).toContainText('the model on the gateway is not the one in the bundle');
    await expect(page.getByTestId('bench-diagnosis-explanation')).toContainText('not the one in the bundle');
    await expect(page.getByTestId('bench-diagnosis-explanation')).toContainText('outputs differ beyond tolerance on 3/3 inputs');
    await expect(page.locator('[data-testid="bench-diagnosis-row"][data-ok="false"]')).toHaveCount(3);
    const rows = page.getByTestId('bench-diagnoses-row');
    await expect(rows).toHaveCount(2);
    await expect(rows.first()).toHaveAttribute('data-verdict', 'wrong-model');
    await bench.screenshot('bench-diagnosis-wrong', testInfo);
  });

  await test.step('cancel a long run: the partial result is shown and stored as cancelled', async () => {
    await bench.iterations.fill('100000');
    await bench.runButton.click();
    await expect(page.getByTestId('bench-progress')).toContainText(/of 100000 inferences/, { timeout: 60_000 });
    await page.getByTestId('bench-cancel').click();
    await expect(page.getByTestId('bench-cancelled')).toBeVisible({ timeout: 60_000 });
    await expect(bench.historyRows).toHaveCount(3);
    await expect(bench.stats).not.toContainText('100000 timed inferences');
  });
});
