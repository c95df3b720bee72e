/**
 * The Benchmark view against the demo: the demo gateways hold no model, so one is flashed with the
 * demo model bundle through the Flash view first; then a benchmark runs on it and the charts, the
 * statistics and the verdict show, a diagnosis against the library bundle passes, and the run is
 * listed under the gateway's previous runs.
 *
 * It starts its own demo (not the shared worker fixture) because it changes a gateway's models,
 * which the other specs expect to find empty.
 */
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
    await bench.diagnoseButton.click();
    await expect(bench.diagnosis).toBeVisible({ timeout: 90_000 });
    await expect(bench.diagnosis).toHaveAttribute('data-verdict', 'pass');
    await expect(page.getByTestId('bench-diagnosis-row').first()).toBeVisible();
    await bench.screenshot('bench-diagnosis', testInfo);
  });
});
