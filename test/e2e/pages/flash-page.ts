/**
 * The Flash view: the four steps (what → where → confirm → go), the bundle and gateway lists,
 * the summary, and the per-gateway progress rows.
 */
import type { Locator, Page } from '@playwright/test';

export class FlashPage {
  readonly root: Locator;
  readonly navLink: Locator;
  readonly steps: Locator;
  readonly bundles: Locator;
  readonly gateways: Locator;
  readonly tally: Locator;
  readonly reviewButton: Locator;
  readonly summary: Locator;
  readonly summaryRows: Locator;
  readonly startButton: Locator;
  readonly startError: Locator;
  readonly progress: Locator;
  readonly targets: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('flash-view');
    this.navLink = page.getByTestId('nav-flash');
    this.steps = page.getByTestId('flash-steps');
    this.bundles = page.getByTestId('flash-bundle');
    this.gateways = page.getByTestId('flash-gateway');
    this.tally = page.getByTestId('flash-gateway-tally');
    this.reviewButton = page.getByTestId('flash-review');
    this.summary = page.getByTestId('flash-summary');
    this.summaryRows = page.getByTestId('flash-summary-row');
    this.startButton = page.getByTestId('flash-start');
    this.startError = page.getByTestId('flash-start-error');
    this.progress = page.getByTestId('flash-go');
    this.targets = page.getByTestId('flash-target');
  }

  async open(): Promise<void> {
    await this.navLink.click();
    await this.root.waitFor();
  }

  /** Whether this build's engine runs flash jobs, as the view learnt it from `flash.list`. */
  async engineState(): Promise<string | null> {
    await this.root.locator(':scope:not([data-flash-engine="unknown"])').waitFor();
    return this.root.getAttribute('data-flash-engine');
  }

  step(name: 'what' | 'where' | 'confirm' | 'go'): Locator {
    return this.page.getByTestId(`flash-step-${name}`);
  }

  /**
   * The bundle of that name. The demo library also holds the deliberately wrong classifier (same
   * name and version, file name ending -wrong.flb, for the diagnostics demo): a name means the real one.
   */
  bundle(name: string): Locator {
    return this.bundles.filter({ hasText: name }).filter({ hasNotText: '-wrong.flb' });
  }

  async chooseBundle(name: string): Promise<void> {
    await this.bundle(name).getByTestId('flash-bundle-choose').click();
    await this.page.getByTestId('flash-where').waitFor();
  }

  gateway(idPrefix: string): Locator {
    return this.page.locator(`[data-testid="flash-gateway"][data-device-id^="${idPrefix}"]`);
  }

  checkbox(idPrefix: string): Locator {
    return this.gateway(idPrefix).getByTestId('flash-gateway-select');
  }

  summaryRow(idPrefix: string): Locator {
    return this.page.locator(`[data-testid="flash-summary-row"][data-device-id^="${idPrefix}"]`);
  }

  target(idPrefix: string): Locator {
    return this.page.locator(`[data-testid="flash-target"][data-device-id^="${idPrefix}"]`);
  }

  async screenshot(
    name: string,
    testInfo: { outputPath(...p: string[]): string; attach(n: string, o: { path: string; contentType: string }): Promise<void> },
  ): Promise<void> {
    const path = testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  }
}
