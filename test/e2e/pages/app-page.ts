/**
 * The whole page: open it with the token link, and find out which screen came up.
 */
import type { Locator, Page } from '@playwright/test';
import { DevicesPage } from './devices-page.js';
import { FirstRunPage } from './first-run-page.js';

export class AppPage {
  readonly statusBar: Locator;
  readonly firstRun: FirstRunPage;
  readonly devices: DevicesPage;

  constructor(readonly page: Page) {
    this.statusBar = page.getByTestId('status-bar');
    this.firstRun = new FirstRunPage(page);
    this.devices = new DevicesPage(page);
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  /** Waits until the app has talked to the engine and shows either first run or devices. */
  async landing(): Promise<'first-run' | 'devices'> {
    const first = this.page.getByTestId('first-run');
    const devices = this.page.getByTestId('devices-view');
    await first.or(devices).first().waitFor();
    return (await first.isVisible()) ? 'first-run' : 'devices';
  }

  statusItem(name: 'discovery' | 'devices' | 'link' | 'network'): Locator {
    return this.page.getByTestId(`status-${name}`);
  }
}
