/**
 * USB in the Devices view, live, through `fieldline serve` with FIELDLINE_USB_REPLAY: the bus is
 * a watched recording (no USB here), rewritten by the test to plug and unplug. The gadget's
 * linked serial port is a real socat pty with the real reference agent on the other end.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { openPtyPair, type PtyPair } from '../../agent/socat-pty.js';
import type { UsbRecording } from '../../core/discovery/usb/replay-adapter.js';
import { standInId } from '../../core/discovery/usb/usb-lane.js';
import { startDemo, type Demo } from './fixtures/start-demo.js';
import { AppPage } from './pages/app-page.js';
import { UsbDevices } from './pages/devices-page.js';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'usb');
const recorded = (name: string): UsbRecording => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as UsbRecording;

let dir: string;
let pty: PtyPair;
let agent: RunningAgent;
let server: Demo;
let replayFile: string;

/** Replaces the recording the way `usb record` writes it: whole, renamed over. */
async function writeBus(recording: UsbRecording): Promise<void> {
  await writeFile(`${replayFile}.tmp`, JSON.stringify(recording, null, 2));
  await rename(`${replayFile}.tmp`, replayFile);
}

const jetson = recorded('jetson-orin-nano-recovery');
const gadget = recorded('fieldline-reference-gadget').devices[0]!;
const emptyBus: UsbRecording = { source: 'e2e: nothing plugged in', devices: [], access: {}, events: [] };
const jetsonOnly = (): UsbRecording => ({ ...jetson, source: 'e2e: a Jetson in recovery' });
function jetsonAndGadget(): UsbRecording {
  const tty = basename(pty.clientPath);
  return {
    source: 'e2e: the Jetson, and the reference gadget whose ACM port is the pty the agent serves',
    devices: [...jetson.devices, gadget],
    access: jetson.access,
    events: [],
    serialPorts: [{ path: pty.clientPath, vendorId: '1d6b', productId: '0104', serialNumber: gadget.serial, manufacturer: 'Fieldline' }],
    sysfs: {
      dirs: { '/sys/class/tty': [tty] },
      links: { [`/sys/class/tty/${tty}/device`]: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.2' },
    },
  };
}

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fieldline-e2e-usb-'));
  replayFile = join(dir, 'usb-bus.json');
  pty = await openPtyPair(join(dir, 'agent.tty'), join(dir, 'ttyACM0'));
  agent = await startAgent({
    stateDir: join(dir, 'agent-state'),
    device: emulatedDevice(6, 7),
    trust: [loadDemoTechnician().trustEntry],
    tcp: false,
    mdns: false,
    udp: false,
    serialPath: pty.agentPath,
  });
  await writeBus(emptyBus);
  // startDemo hands its environment to `fieldline serve`; set only around the spawn.
  const before = process.env.FIELDLINE_USB_REPLAY;
  process.env.FIELDLINE_USB_REPLAY = replayFile;
  try {
    server = await startDemo({ gateways: 0 });
  } finally {
    if (before === undefined) delete process.env.FIELDLINE_USB_REPLAY;
    else process.env.FIELDLINE_USB_REPLAY = before;
  }
});

test.afterAll(async () => {
  await server?.stop();
  await agent?.close();
  await pty?.close();
  await rm(dir, { recursive: true, force: true });
});

test('USB devices appear, are explained, and come and go live as the bus changes', async ({ page }) => {
  const app = new AppPage(page);
  const devices = app.devices;
  const usb = new UsbDevices(page);
  const jetsonId = standInId({ vendorId: '0955', productId: '7523', busPath: '1-4' });

  await test.step('open the app (first run creates the profile)', async () => {
    await app.open(server.url);
    if ((await app.landing()) === 'first-run') {
      await app.firstRun.createProfile('USB Technician', 'Fieldline QA');
      await app.firstRun.continueButton.click();
    }
    await expect(devices.root).toBeVisible();
    // Marks this page load: if anything below reloaded the page, the mark would be gone.
    await page.locator('body').evaluate((body) => body.setAttribute('data-e2e-loaded', 'once'));
  });

  await test.step('nothing plugged in: the empty list says how to plug a device in', async () => {
    await expect(devices.empty).toBeVisible();
    await expect(usb.emptyHint).toContainText('Plug in a device');
    await expect(usb.emptyHint).toContainText('service (USB-C device / OTG or micro-USB) port');
    await expect(usb.emptyHint).toContainText('udev rule');
    await expect(usb.emptyHint).toContainText('dialout');
  });

  await test.step('a Jetson in recovery appears with its mode, meaning, next step and the udev fix', async () => {
    await writeBus(jetsonOnly());
    await expect(usb.row(jetsonId)).toBeVisible({ timeout: 30_000 });
    await expect(usb.mode(jetsonId)).toHaveText('Recovery');
    await devices.open(jetsonId);
    await expect(usb.panelMode).toHaveText('Recovery');
    await expect(usb.panelSection).toContainText('USB 1-4 · 0955:7523');
    await expect(usb.panelSection).toContainText('Force Recovery Mode');
    await expect(usb.panelSection).toContainText('Next step: Reflash with NVIDIA');
    await expect(usb.panelNotices.first()).toContainText('no permission to open USB device 0955:7523');
    await expect(usb.panelSection).toContainText('ATTRS{idVendor}=="0955"');
    await expect(page.getByTestId('authenticate-button')).toHaveCount(0);
    await devices.panel.closeButton.click();
  });

  await test.step('plugging in a running gadget: one row with the agent id, over USB and serial, live', async () => {
    await writeBus(jetsonAndGadget());
    const row = usb.row(agent.id);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(usb.mode(agent.id)).toHaveText('Running');
    await expect(row).toHaveAttribute('data-state', 'online');
    const info = await devices.rowInfo(row);
    expect(info.badges).toEqual(['USB', 'Serial']);
    await expect(page.locator('[data-testid="device-row"][data-usb-mode="running"]')).toHaveCount(1);
    await expect(usb.row(jetsonId)).toBeVisible();
    await devices.open(agent.id);
    await expect(page.getByTestId('device-paths')).toContainText('USB port 1-3 (1d6b:0104), FGP on interface 4');
    await expect(page.getByTestId('device-paths')).toContainText(`${pty.clientPath} at 115200 baud`);
    await devices.panel.closeButton.click();
  });

  await test.step('unplugging it: the row turns lost live, the Jetson stays', async () => {
    await writeBus(jetsonOnly());
    await expect(usb.row(agent.id)).toHaveAttribute('data-state', 'lost', { timeout: 30_000 });
    await expect(usb.row(jetsonId)).toHaveAttribute('data-state', 'online');
    await expect(page.locator('body')).toHaveAttribute('data-e2e-loaded', 'once');
  });
});
