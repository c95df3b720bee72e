/**
 * The open gateway's panel: descriptor fields and the Authenticate action.
 */
import type { Locator, Page } from '@playwright/test';

export class DevicePanel {
  readonly root: Locator;
  readonly name: Locator;
  readonly id: Locator;
  readonly vendor: Locator;
  readonly model: Locator;
  readonly hardwareRevision: Locator;
  readonly serial: Locator;
  readonly firmware: Locator;
  readonly paths: Locator;
  readonly authenticateButton: Locator;
  readonly authResult: Locator;
  readonly authError: Locator;
  readonly detailError: Locator;
  readonly closeButton: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('device-panel');
    this.name = page.getByTestId('device-panel-name');
    this.id = page.getByTestId('device-panel-id');
    this.vendor = page.getByTestId('descriptor-vendor');
    this.model = page.getByTestId('descriptor-model');
    this.hardwareRevision = page.getByTestId('descriptor-hw-rev');
    this.serial = page.getByTestId('descriptor-serial');
    this.firmware = page.getByTestId('descriptor-firmware');
    this.paths = page.getByTestId('device-paths');
    this.authenticateButton = page.getByTestId('authenticate-button');
    this.authResult = page.getByTestId('auth-result');
    this.authError = page.getByTestId('auth-error');
    this.detailError = page.getByTestId('detail-error');
    this.closeButton = page.getByTestId('device-panel-close');
  }

  /** Clicks Authenticate and waits for either outcome; returns the error text when it failed. */
  async authenticate(): Promise<{ ok: true; text: string } | { ok: false; text: string }> {
    await this.authenticateButton.click();
    await this.authResult.or(this.authError).first().waitFor();
    if (await this.authResult.isVisible()) return { ok: true, text: await this.authResult.innerText() };
    return { ok: false, text: await this.authError.innerText() };
  }
}
