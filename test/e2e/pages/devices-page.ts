/**
 * The Devices view: the live list, its filter, and the open device's panel.
 */
import type { Locator, Page } from '@playwright/test';
import { DevicePanel } from './device-panel.js';
import { AddDeviceForm, SearchSettingsPanel } from './reach-panels.js';

export interface RowInfo {
  readonly id: string;
  readonly name: string;
  readonly model: string;
  readonly state: string;
  readonly badges: readonly string[];
}

export class DevicesPage {
  readonly root: Locator;
  readonly filterInput: Locator;
  readonly rows: Locator;
  readonly count: Locator;
  readonly empty: Locator;
  readonly panel: DevicePanel;
  readonly searchSettings: SearchSettingsPanel;
  readonly addForm: AddDeviceForm;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('devices-view');
    this.filterInput = page.getByTestId('device-filter');
    this.rows = page.getByTestId('device-row');
    this.count = page.getByTestId('device-count');
    this.empty = page.getByTestId('devices-empty');
    this.panel = new DevicePanel(page);
    this.searchSettings = new SearchSettingsPanel(page);
    this.addForm = new AddDeviceForm(page);
  }

  row(id: string): Locator {
    return this.page.locator(`[data-testid="device-row"][data-device-id="${id}"]`);
  }

  async rowInfo(row: Locator): Promise<RowInfo> {
    return {
      id: (await row.getAttribute('data-device-id')) ?? '',
      name: (await row.getByTestId('device-row-name').innerText()).trim(),
      model: (await row.getByTestId('device-row-model').innerText()).trim(),
      state: (await row.getAttribute('data-state')) ?? '',
      badges: (await row.getByTestId('transport-badge').allInnerTexts()).map((b) => b.trim()),
    };
  }

  /** Every row currently rendered (the list is virtualised: enough for short lists). */
  async allRows(): Promise<RowInfo[]> {
    const infos: RowInfo[] = [];
    for (const row of await this.rows.all()) infos.push(await this.rowInfo(row));
    return infos;
  }

  async filter(text: string): Promise<void> {
    await this.filterInput.fill(text);
  }

  async open(id: string): Promise<void> {
    await this.row(id).click();
    await this.panel.root.waitFor();
  }

  /** Opens a row from the keyboard: focus moves from the filter box into the list. */
  async openWithKeyboard(downPresses: number): Promise<void> {
    await this.filterInput.focus();
    await this.page.keyboard.press('ArrowDown');
    for (let i = 0; i < downPresses; i++) await this.page.keyboard.press('ArrowDown');
    await this.page.keyboard.press('Enter');
    await this.panel.root.waitFor();
  }
}

/** USB in the Devices view: the plug-in hint, a row's mode badge, the panel's USB section. */
export class UsbDevices {
  readonly emptyHint: Locator;
  readonly panelSection: Locator;
  readonly panelMode: Locator;
  readonly panelNotices: Locator;

  constructor(readonly page: Page) {
    this.emptyHint = page.getByTestId('empty-usb-hint');
    this.panelSection = page.getByTestId('device-usb');
    this.panelMode = page.getByTestId('device-usb-mode');
    this.panelNotices = page.getByTestId('device-usb-notice');
  }

  row(id: string): Locator {
    return this.page.locator(`[data-testid="device-row"][data-device-id="${id}"]`);
  }

  mode(id: string): Locator {
    return this.row(id).getByTestId('usb-mode-badge');
  }
}
