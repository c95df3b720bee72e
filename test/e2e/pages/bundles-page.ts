/**
 * The Bundles view: import through the file picker, the library table, the details panel, the trust store.
 */
import type { Locator, Page } from '@playwright/test';

export class BundlesPage {
  readonly root: Locator;
  readonly navLink: Locator;
  readonly importButton: Locator;
  readonly fileInput: Locator;
  readonly rows: Locator;
  readonly details: Locator;
  readonly verdict: Locator;
  readonly checks: Locator;
  readonly trustToggle: Locator;
  readonly trustStore: Locator;
  readonly importErrors: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('bundles-view');
    this.navLink = page.getByTestId('nav-bundles');
    this.importButton = page.getByTestId('bundle-import');
    this.fileInput = page.getByTestId('bundle-file-input');
    this.rows = page.getByTestId('bundle-row');
    this.details = page.getByTestId('bundle-details');
    this.verdict = page.getByTestId('bundle-verdict');
    this.checks = page.getByTestId('bundle-check');
    this.trustToggle = page.getByTestId('trust-store-toggle');
    this.trustStore = page.getByTestId('trust-store');
    this.importErrors = page.getByTestId('import-error');
  }

  async open(): Promise<void> {
    await this.navLink.click();
    await this.root.waitFor();
  }

  /** Chooses files the way a technician does: the Import button opens the picker. */
  async importThroughPicker(files: readonly string[]): Promise<void> {
    const chooser = this.page.waitForEvent('filechooser');
    await this.importButton.click();
    await (await chooser).setFiles([...files]);
  }

  row(fileOrName: string): Locator {
    return this.rows.filter({ hasText: fileOrName });
  }

  /** The report's checks with one status: pass, fail, warn or skip. */
  check(status: 'pass' | 'fail' | 'warn' | 'skip'): Locator {
    return this.page.locator(`[data-testid="bundle-check"][data-status="${status}"]`);
  }

  status(row: Locator): Locator {
    return row.getByTestId('bundle-status');
  }

  async openRow(row: Locator): Promise<void> {
    await row.getByTestId('bundle-open').click();
    await this.details.waitFor();
  }
}
