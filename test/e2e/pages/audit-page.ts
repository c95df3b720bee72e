/**
 * The Audit view: filters, the timeline, the entry details, the chain and upload panels, and
 * the status bar's audit item that leads here.
 */
import type { Locator, Page } from '@playwright/test';

export class AuditPage {
  readonly root: Locator;
  readonly navLink: Locator;
  readonly statusItem: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly listError: Locator;
  readonly deviceFilter: Locator;
  readonly actionFilter: Locator;
  readonly resultFilter: Locator;
  readonly rangeFilter: Locator;
  readonly clearFilters: Locator;
  readonly details: Locator;
  readonly detailsClose: Locator;
  readonly verifyButton: Locator;
  readonly chainHeadline: Locator;
  readonly keyProtection: Locator;
  readonly exportButton: Locator;
  readonly exportResult: Locator;
  readonly syncState: Locator;
  readonly settingsToggle: Locator;
  readonly settingsEndpoint: Locator;
  readonly settingsSite: Locator;
  readonly settingsSave: Locator;
  readonly settingsSaved: Locator;
  readonly settingsError: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('audit-view');
    this.navLink = page.getByTestId('nav-audit');
    this.statusItem = page.getByTestId('status-audit');
    this.rows = page.getByTestId('audit-row');
    this.empty = page.getByTestId('audit-empty');
    this.listError = page.getByTestId('audit-list-error');
    this.deviceFilter = page.getByTestId('audit-filter-device');
    this.actionFilter = page.getByTestId('audit-filter-action');
    this.resultFilter = page.getByTestId('audit-filter-result');
    this.rangeFilter = page.getByTestId('audit-filter-range');
    this.clearFilters = page.getByTestId('audit-filter-clear');
    this.details = page.getByTestId('audit-details');
    this.detailsClose = page.getByTestId('audit-details-close');
    this.verifyButton = page.getByTestId('audit-verify');
    this.chainHeadline = page.getByTestId('audit-chain-headline');
    this.keyProtection = page.getByTestId('audit-key-protection');
    this.exportButton = page.getByTestId('audit-export');
    this.exportResult = page.getByTestId('audit-export-result');
    this.syncState = page.getByTestId('audit-sync-state');
    this.settingsToggle = page.getByTestId('audit-settings-toggle');
    this.settingsEndpoint = page.getByTestId('audit-settings-endpoint');
    this.settingsSite = page.getByTestId('audit-settings-site');
    this.settingsSave = page.getByTestId('audit-settings-save');
    this.settingsSaved = page.getByTestId('audit-settings-saved');
    this.settingsError = page.getByTestId('audit-settings-error');
  }

  async open(): Promise<void> {
    await this.navLink.click();
    await this.root.waitFor();
  }

  /** Timeline rows about one action (the intent's action for a paired row). */
  rowsFor(action: string): Locator {
    return this.page.locator(`[data-testid="audit-row"][data-action="${action}"]`);
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
