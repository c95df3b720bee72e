/**
 * The Devices toolbar's two popovers: "Search settings" (interfaces, named serial ports) and
 * "Add by address".
 */
import type { Locator, Page } from '@playwright/test';

export class SearchSettingsPanel {
  readonly toggle: Locator;
  readonly root: Locator;
  readonly interfaces: Locator;
  readonly serialInput: Locator;
  readonly applyButton: Locator;
  readonly problem: Locator;
  readonly error: Locator;
  /** The summary line's "Searching lo · serial …". */
  readonly summary: Locator;

  constructor(readonly page: Page) {
    this.toggle = page.getByTestId('search-settings-toggle');
    this.root = page.getByTestId('search-settings');
    this.interfaces = this.root.getByTestId('search-interface');
    this.serialInput = page.getByTestId('search-serial-input');
    this.applyButton = page.getByTestId('search-settings-apply');
    this.problem = page.getByTestId('search-settings-problem');
    this.error = page.getByTestId('search-settings-error');
    this.summary = page.getByTestId('search-selection');
  }

  async open(): Promise<void> {
    if (!(await this.root.isVisible())) await this.toggle.click();
    await this.root.waitFor();
  }

  iface(name: string): Locator {
    return this.root.locator(`[data-testid="search-interface"][data-interface="${name}"]`);
  }

  checkbox(name: string): Locator {
    return this.iface(name).getByTestId('search-interface-checkbox');
  }

  /** Ticks exactly these interfaces (tests never search anything but loopback or their own bridges). */
  async selectOnly(names: readonly string[]): Promise<void> {
    for (const row of await this.interfaces.all()) {
      const name = (await row.getAttribute('data-interface')) ?? '';
      await row.getByTestId('search-interface-checkbox').setChecked(names.includes(name));
    }
  }

  /** Applies and waits for the panel to close (success) or an error to show. */
  async apply(): Promise<{ ok: boolean; text: string }> {
    await this.applyButton.click();
    const failure = this.problem.or(this.error).first();
    // Whichever comes first; the other wait is abandoned (and its late rejection swallowed).
    await Promise.race([
      this.root.waitFor({ state: 'hidden' }).catch(() => undefined),
      failure.waitFor({ state: 'visible' }).catch(() => undefined),
    ]);
    if (await failure.isVisible()) return { ok: false, text: await failure.innerText() };
    return { ok: !(await this.root.isVisible()), text: '' };
  }
}

export class AddDeviceForm {
  readonly toggle: Locator;
  readonly root: Locator;
  readonly input: Locator;
  readonly submitButton: Locator;
  readonly error: Locator;
  readonly errorMessage: Locator;
  readonly errorFix: Locator;
  readonly errorCode: Locator;

  constructor(readonly page: Page) {
    this.toggle = page.getByTestId('add-device-toggle');
    this.root = page.getByTestId('add-device');
    this.input = page.getByTestId('add-address-input');
    this.submitButton = page.getByTestId('add-address-submit');
    this.error = page.getByTestId('add-device-error');
    this.errorMessage = page.getByTestId('add-device-error-message');
    this.errorFix = page.getByTestId('add-device-error-fix');
    this.errorCode = page.getByTestId('add-device-error-code');
  }

  async open(): Promise<void> {
    if (!(await this.root.isVisible())) await this.toggle.click();
    await this.root.waitFor();
  }

  /** Types the address and submits from the keyboard, as a technician with a cable in hand would. */
  async add(address: string): Promise<void> {
    await this.open();
    await this.input.fill(address);
    await this.input.press('Enter');
  }
}
