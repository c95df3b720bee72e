/**
 * A gateway reachable only over its USB network function (RNDIS/ECM/NCM): discovery runs a LAN
 * lane on that interface although the technician narrowed discovery to others, and the registry
 * shows one gateway with its USB and network paths.
 *
 * The USB bus is the one boundary replayed: a watched recording (as FIELDLINE_USB_REPLAY) of the
 * Linux configfs RNDIS + ACM gadget, whose sysfs links the gadget's network function to the host
 * end of a real veth. A real reference agent runs in a network namespace behind that veth and
 * announces over mDNS and answers UDP probes there; the mDNS/UDP discovery and the registry merge
 * are the real ones. Needs network namespaces (skipped with the reason where they are not allowed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Device, DiscoveryReport } from '../../core/api/schemas.js';
import { Discovery } from '../../core/discovery/discovery.js';
import { DeviceRegistry } from '../../core/discovery/registry.js';
import { readUsbRecording, ReplayUsbAdapter, type UsbRecording } from '../../core/discovery/usb/replay-adapter.js';
import { mergeUsbCatalogs, shippedUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { startNetnsFleet, type NetnsFleet } from '../helpers/agent-in-netns.js';
import { cleanupPrefix, netnsUnavailableReason, testPrefix } from '../helpers/netns.js';

const run = promisify(execFile);
const prefix = testPrefix('u');
const netnsReason = await netnsUnavailableReason(prefix);
const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'usb');
const GADGET = readUsbRecording(path.join(fixtures, 'linux-gadget-acm-rndis.json')).devices[0]!;
const BUS_PATH = GADGET.busPath; // "1-7"

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 15_000 });
}

/** A /24 under 10.78 no interface here uses yet (10.77 is the test LANs' of netns.ts). */
async function freeSubnet(): Promise<string> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (let k = 0; k < 200; k++) {
    const x = 20 + ((process.pid + k * 7) % 230);
    if (!stdout.includes(` 10.78.${x}.`)) return `10.78.${x}`;
  }
  throw new Error('no free 10.78.x.0/24 subnet');
}

async function waitFor(what: string, check: () => boolean, state: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; now: ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The bus with the gadget plugged in: its network function is the veth's host end. */
function gadgetOn(hostEnd: string): UsbRecording {
  return {
    source: `the Linux RNDIS + ACM gadget of linux-gadget-acm-rndis.json, its RNDIS function being the veth ${hostEnd}`,
    devices: [GADGET],
    access: {},
    events: [],
    serialPorts: [],
    sysfs: {
      dirs: { '/sys/class/net': ['lo', hostEnd] },
      links: { [`/sys/class/net/${hostEnd}/device`]: `/sys/devices/pci0000:00/0000:00:14.0/usb1/${BUS_PATH}/${BUS_PATH}:1.0` },
    },
  };
}

const EMPTY_BUS: UsbRecording = { source: 'nothing plugged in', devices: [], access: {}, events: [] };

describe('a gateway reachable only over its USB network interface', { skip: netnsReason ?? false, timeout: 120_000 }, () => {
  const ns = `${prefix}n0`;
  const hostEnd = `${prefix}h0`;
  let dir = '';
  let fleet: NetnsFleet | null = null;
  let agentId = '';
  let agentAddress = '';

  before(async () => {
    await cleanupPrefix(prefix);
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-usb-net-'));
    const subnet = await freeSubnet();
    agentAddress = `${subnet}.10`;
    // Point to point, like a USB network link: the laptop's end has an address, the gateway the other.
    await ip('netns', 'add', ns);
    await ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('addr', 'add', `${subnet}.1/24`, 'brd', '+', 'dev', hostEnd);
    await ip('link', 'set', hostEnd, 'up');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', ns, 'addr', 'add', `${agentAddress}/24`, 'brd', '+', 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', ns, 'route', 'add', 'default', 'via', `${subnet}.1`);
    fleet = await startNetnsFleet(
      {
        prefix,
        bridge: hostEnd,
        subnet,
        bridgeAddress: `${subnet}.1`,
        hosts: [{ ns, addresses: [agentAddress] }],
        destroy: () => cleanupPrefix(prefix),
      },
      path.join(dir, 'state'),
    );
    agentId = fleet.agents[0]!.id;
  });

  after(async () => {
    await fleet?.close().catch(() => undefined);
    await cleanupPrefix(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const pass of [1, 2]) {
    test(`[${pass}] narrowed to lo, plugging the gadget in finds the agent on its USB network interface as one device; unplugging drops the lane and the path`, async (t) => {
      t.diagnostic(`veth ${hostEnd} stands for the gadget's RNDIS function; agent ${agentAddress} in ${ns}`);
      const busFile = path.join(dir, `bus-${pass}.json`);
      const write = async (r: UsbRecording): Promise<void> => {
        await writeFile(`${busFile}.tmp`, JSON.stringify(r));
        await rename(`${busFile}.tmp`, busFile);
      };
      await write(EMPTY_BUS);
      const adapter = ReplayUsbAdapter.watchingFile(busFile);
      const registry = new DeviceRegistry();
      const discovery = new Discovery(registry, {
        interfaces: ['lo'],
        serial: false,
        probeIntervalMs: 500,
        usb: {
          adapter,
          catalog: mergeUsbCatalogs(shippedUsbCatalog(), []),
          listPorts: async () => adapter.serialPorts(),
          sysfs: adapter.sysfs(),
          replay: busFile,
          replayError: () => adapter.loadError,
        },
      });
      let latest: DiscoveryReport = await discovery.start();
      discovery.on('report', (r) => (latest = r));
      const veth = (): DiscoveryReport['interfaces'][number] | undefined => latest.interfaces.find((i) => i.name === hostEnd);
      const agent = (): Device | undefined => registry.get(agentId);
      const gadgetRows = (): Device[] => registry.list().filter((d) => d.usb?.busPath === BUS_PATH);
      const state = (): string => JSON.stringify({ veth: veth(), agent: agent(), gadget: gadgetRows().map((d) => d.id), usb: latest.usb });
      try {
        assert.equal(veth()?.used, false, 'not chosen: only lo is');
        assert.equal(veth()?.reason, undefined);
        // Its early rounds have run on lo by then; the agent is not reachable there (nor anywhere chosen).
        await new Promise((resolve) => setTimeout(resolve, 1500));
        assert.equal(agent(), undefined, 'not found before the gadget is plugged in');

        await write(gadgetOn(hostEnd));
        await waitFor(
          'the agent is one device with its USB and network paths',
          () => {
            const d = agent();
            return (
              d?.state === 'online' &&
              d.paths.some((p) => p.transport === 'usb') &&
              d.paths.some((p) => p.transport === 'tcp' && p.iface === hostEnd)
            );
          },
          state,
        );
        const device = agent()!;
        assert.deepEqual(
          gadgetRows().map((d) => d.id),
          [agentId],
          'one row for the gadget: the stand-in went when the agent answered on its network function',
        );
        for (const p of device.paths) {
          if (p.transport === 'usb') assert.equal(p.busPath, BUS_PATH);
          else if (p.transport === 'tcp') {
            assert.equal(p.iface, hostEnd);
            assert.equal(p.host, agentAddress);
          } else assert.fail(`unexpected path ${JSON.stringify(p)}`);
        }
        assert.deepEqual(device.usb?.networkInterfaces, [hostEnd]);
        assert.equal(device.usb?.probe, undefined, 'no "no serial port" advice on a gateway that answers');
        await waitFor('the report says why the interface is used', () => veth()?.used === true && veth()?.reason !== undefined, state);
        assert.equal(veth()!.reason, `USB network interface of ${device.usb!.family} at ${BUS_PATH}`);
        assert.deepEqual(
          latest.interfaces
            .filter((i) => i.used)
            .map((i) => i.name)
            .sort(),
          ['lo', hostEnd].sort(),
        );
        assert.ok(latest.devicesFound >= 1);

        await write(EMPTY_BUS);
        await waitFor('the cable is pulled', () => agent()?.state === 'lost' && veth()?.used === false, state);
        const lost = agent()!;
        assert.equal(lost.usb?.attached, false, 'the row says the cable was pulled');
        assert.equal(veth()!.reason, undefined, 'no longer a USB network interface');
        assert.equal(discovery.stats()[hostEnd], undefined, 'its LAN lane was dropped');
        // The agent goes on announcing on the veth, but nothing listens there any more.
        for (let round = 0; round < 3; round++) {
          await discovery.usb!.round();
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        assert.equal(agent()?.state, 'lost', 'not revived through a lane that is gone');
        assert.deepEqual(
          gadgetRows().map((d) => d.id),
          [agentId],
          'no stand-in left behind',
        );
      } finally {
        await discovery.stop();
      }
    });
  }
});
