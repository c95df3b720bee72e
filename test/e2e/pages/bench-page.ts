/**
 * The Benchmark view: gateway and model pickers, settings, Run / Diagnose, progress, the result
 * (verdict, charts, statistics), the diagnosis and the gateway's previous runs.
 */
import type { Locator, Page } from '@playwright/test';

export class BenchPage {
  readonly root: Locator;
  readonly navLink: Locator;
  readonly deviceSelect: Locator;
  readonly modelSelect: Locator;
  readonly iterations: Locator;
  readonly runButton: Locator;
  readonly diagnoseButton: Locator;
  readonly progress: Locator;
  readonly runError: Locator;
  readonly result: Locator;
  readonly verdict: Locator;
  readonly histogramCanvas: Locator;
  readonly cdfCanvas: Locator;
  readonly stats: Locator;
  readonly diagnosis: Locator;
  readonly historyRows: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('bench-view');
    this.navLink = page.getByTestId('nav-bench');
    this.deviceSelect = page.getByTestId('bench-device');
    this.modelSelect = page.getByTestId('bench-model');
    this.iterations = page.getByTestId('bench-iterations');
    this.runButton = page.getByTestId('bench-run');
    this.diagnoseButton = page.getByTestId('bench-diagnose');
    this.progress = page.getByTestId('bench-progress');
    this.runError = page.getByTestId('bench-run-error');
    this.result = page.getByTestId('bench-result');
    this.verdict = page.getByTestId('bench-verdict');
    this.histogramCanvas = page.getByTestId('bench-histogram').locator('canvas');
    this.cdfCanvas = page.getByTestId('bench-cdf').locator('canvas');
    this.stats = page.getByTestId('bench-stats');
    this.diagnosis = page.getByTestId('bench-diagnosis');
    this.historyRows = page.getByTestId('bench-history-row');
  }

  async open(): Promise<void> {
    await this.navLink.click();
    await this.root.waitFor();
  }

  /** The gateway's option in the picker (its value is the full device id). */
  deviceOption(idPrefix: string): Locator {
    return this.deviceSelect.locator(`option[data-device-id^="${idPrefix}"]`);
  }

  async chooseDevice(idPrefix: string): Promise<void> {
    const id = await this.deviceOption(idPrefix).getAttribute('value');
    if (id === null) throw new Error(`no gateway ${idPrefix} in the Benchmark view's picker`);
    await this.deviceSelect.selectOption(id);
  }

  async screenshot(
    name: string,
    testInfo: { outputPath(...p: string[]): string; attach(n: string, o: { path: string; contentType: string }): Promise<void> },
  ): Promise<void> {
    const path = testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  }
}
