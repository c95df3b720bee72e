/**
 * Reaching gateways beyond what discovery sees by default: narrowing the search to chosen
 * interfaces and named serial ports, and adding a gateway by its address.
 *
 * Network safety: the only interface this spec ever ticks is `lo`, and the only addresses it
 * adds are on 127.0.0.1.
 */
import { expect, test } from './fixtures/demo-fixture.js';
import { demoRows, lanPort, serialPath } from './fixtures/demo-rows.js';
import { AppPage } from './pages/app-page.js';

const DEMO_GATEWAYS = 3;

test('search settings narrow discovery to lo and named ports; a gateway is added by address', async ({ page, demo }, testInfo) => {
  const app = new AppPage(page);
  const devices = app.devices;
  const settings = devices.searchSettings;
  const addForm = devices.addForm;

  await app.open(demo.url);
  if ((await app.landing()) === 'first-run') {
    await app.firstRun.createProfile('E2E Technician', 'Fieldline QA');
    await app.firstRun.continueButton.click();
  }
  await expect(devices.root).toBeVisible();
  await expect
    .poll(async () => demoRows(await devices.allRows(), demo.gateways).length, { message: `demo gateways in the list\n${demo.output()}` })
    .toBeGreaterThanOrEqual(DEMO_GATEWAYS);
  const namedSerial = demo.gateways.map(serialPath).filter((p): p is string => p !== null);

  await test.step('the summary line says what discovery searches', async () => {
    await expect(settings.summary).toHaveText(/^Searching lo\b/);
    for (const path of namedSerial) await expect(settings.summary).toContainText(path);
  });

  await test.step('search settings list lo, ticked, and the serial ports the demo named', async () => {
    await settings.open();
    // Focus lands inside the panel: it is usable from the keyboard at once.
    await expect(settings.root.locator(':focus')).toHaveCount(1);
    await expect(settings.iface('lo')).toBeVisible();
    await expect(settings.iface('lo').getByTestId('search-interface-kind')).toContainText('loopback');
    await expect(settings.checkbox('lo')).toBeChecked();
    for (const row of await settings.interfaces.all()) {
      if ((await row.getAttribute('data-kind')) === 'virtual') {
        await expect(row.getByTestId('search-interface-kind')).toHaveText('Docker/VM bridge');
      }
    }
    for (const path of namedSerial) expect(await settings.serialInput.inputValue()).toContain(path);
    const path = testInfo.outputPath('search-settings.png');
    await page.screenshot({ path });
    await testInfo.attach('search-settings', { path, contentType: 'image/png' });
  });

  await test.step('a serial entry that is not a path is refused with the fix, before anything restarts', async () => {
    const before = await settings.serialInput.inputValue();
    await settings.serialInput.fill(`${before}, ttyUSB9`);
    const outcome = await settings.apply();
    expect(outcome.ok).toBe(false);
    await expect(settings.problem).toContainText('"ttyUSB9" is not a serial port path');
    await expect(settings.problem).toContainText('What to do');
    await expect(settings.problem).toContainText('bad_serial_port');
    await settings.serialInput.fill(before);
  });

  await test.step('applying lo keeps every demo gateway, online', async () => {
    await settings.selectOnly(['lo']);
    const outcome = await settings.apply();
    expect(outcome.ok, outcome.text).toBe(true);
    await expect(app.statusItem('discovery')).toHaveText(/Discovery running on lo$/);
    await expect(settings.summary).toHaveText(/^Searching lo\b/);
    await expect
      .poll(async () => demoRows(await devices.allRows(), demo.gateways).filter((r) => r.state === 'online').length, {
        message: `demo gateways online after applying lo\n${demo.output()}`,
      })
      .toBeGreaterThanOrEqual(DEMO_GATEWAYS);
  });

  await test.step('the applied selection is kept, and Escape closes the panel back onto its button', async () => {
    await settings.open();
    await expect(settings.checkbox('lo')).toBeChecked();
    for (const path of namedSerial) expect(await settings.serialInput.inputValue()).toContain(path);
    await page.keyboard.press('Escape');
    await expect(settings.root).toHaveCount(0);
    await expect(settings.toggle).toBeFocused();
  });

  const lan = demo.gateways.find((g) => lanPort(g) !== null);
  await test.step('a LAN gateway added by its address is shown, opened, and marked as added by hand', async () => {
    test.skip(lan === undefined, 'the demo printed no LAN gateway line (external server)');
    const port = lanPort(lan!)!;
    await addForm.add(`127.0.0.1:${port}`);
    await expect(devices.panel.name).toHaveText(lan!.name);
    await expect(devices.panel.id).toHaveText(new RegExp(`^${lan!.idPrefix}[0-9a-f]{52}$`));
    await expect(devices.panel.paths).toContainText(`127.0.0.1:${port} (TLS), added by hand`);
    await expect(addForm.root).toHaveCount(0);
    const id = (await devices.panel.id.innerText()).trim();
    await expect(devices.row(id)).toBeVisible();
    await devices.panel.closeButton.click();
  });

  await test.step('a malformed address gets the message, what to do, and the reason code', async () => {
    await addForm.add('not a host!');
    await expect(addForm.error).toBeVisible();
    await expect(addForm.errorMessage).toContainText('"not a host!" is neither a host[:port] nor a serial port path');
    await expect(addForm.errorFix).toContainText('10.0.0.7');
    await expect(addForm.errorCode).toHaveText('bad_address');
    const path = testInfo.outputPath('add-by-address-error.png');
    await page.screenshot({ path });
    await testInfo.attach('add-by-address-error', { path, contentType: 'image/png' });
  });

  await test.step('an address where nothing listens says so, with what to check', async () => {
    // Port 1 on loopback: nothing listens there, and the refusal never leaves this machine.
    await addForm.add('127.0.0.1:1');
    await expect(addForm.errorMessage).toContainText('refused');
    await expect(addForm.errorFix).toContainText('listening on that port');
    await expect(addForm.errorCode).toHaveText('connection_refused');
  });
});
