/**
 * `fieldline info`: open a verified session with one gateway and print its whole descriptor.
 */
import { parseArgs } from 'node:util';
import type { DeviceDescriptor, DevicePath } from '../../core/api/schemas.js';
import { parseAddress } from '../../core/engine/address.js';
import { openDeviceSession, rankPaths } from '../../core/engine/device-session.js';
import { openDatabase } from '../../core/store/database.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { PinStore } from '../../core/store/pin-store.js';
import { withCliAudit } from '../cli-audit.js';
import { CliError, printJson } from '../output.js';
import { describeTransport, discoverFor, discoveryOptionSpec, parseDiscoveryFlags } from './discover.js';

export const infoUsage = `fieldline info <device-id|address|serial-port> [--json] [--timeout S] [--interfaces ...] [--data-dir DIR]
  <device-id>      a device id or its first 6+ hex digits (found by discovery first)
  <address>        host[:port] of a gateway on the LAN (default port 48621, TLS)
  <serial-port>    /dev/ttyUSB0, /dev/ttyUSB0@921600 or COM3`;

async function resolveTarget(
  target: string,
  values: Parameters<typeof parseDiscoveryFlags>[0],
): Promise<{ paths: DevicePath[]; expectId?: string }> {
  if (/^[0-9a-f]{6,64}$/i.test(target) && !/^\d+$/.test(target)) {
    const prefix = target.toLowerCase();
    const { devices } = await discoverFor(parseDiscoveryFlags(values, 5), (found) => found.some((d) => d.id.startsWith(prefix)));
    const matches = devices.filter((d) => d.id.startsWith(prefix));
    if (matches.length > 1) throw new CliError(`"${target}" matches ${matches.length} gateways; give more digits of the id`);
    const device = matches[0];
    if (!device)
      throw new CliError(
        `no gateway with an id starting ${prefix} answered`,
        'Check it is powered and connected, or give its address instead.',
        'not_found',
        1,
      );
    return { paths: rankPaths(device.paths), expectId: device.id };
  }
  const parsed = parseAddress(target);
  if (!parsed.ok) throw new CliError(`${parsed.reason}\n${infoUsage}`);
  return { paths: [parsed.path] };
}

export function formatDescriptor(d: DeviceDescriptor, path: DevicePath): string {
  const lines = [
    `${d.name} — ${d.vendor} ${d.model} (hw rev ${d.hardwareRevision})`,
    `  id          ${d.id}`,
    `  serial      ${d.serial}`,
    `  firmware    ${d.firmware.version} (slot ${d.firmware.activeSlot} active)`,
    `  slots       ${d.slots.map((s) => `${s.name}: ${s.version || '—'} [${s.state}]`).join(', ')}`,
    `  models      ${d.models.length ? '' : 'none'}`,
    ...d.models.map((m) => `    ${m.name} ${m.version}  sha256 ${m.sha256}`),
    `  accelerators ${d.accelerators.map((a) => `${a.name} (${a.kind})`).join(', ') || 'none'}`,
    `  capabilities ${d.capabilities.join(', ')}`,
    `  protocol    FGP v${d.protocol}, max frame ${d.maxFrame} bytes`,
    `  reached via ${describeTransport(path)}`,
  ];
  return lines.join('\n');
}

export async function runInfo(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...discoveryOptionSpec, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new CliError(`info takes exactly one target\n${infoUsage}`);
  const { paths, expectId } = await resolveTarget(positionals[0]!, values);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const db = openDatabase(dataDir);
  try {
    const pins = new PinStore(db);
    const target = positionals[0]!;
    // Contacting a gateway (and perhaps pinning its key) is on the record: intent first.
    const { session, path } = await withCliAudit(db, dataDir, (audit) =>
      audit.around(
        'device.info',
        expectId ?? null,
        { target, via: 'cli' },
        async () => {
          let lastError: unknown;
          for (const path of paths) {
            try {
              const session = await openDeviceSession(path, expectId ? { pins, expectId } : { pins });
              await session.close();
              return { session, path };
            } catch (err) {
              if ((err as { code?: string }).code === 'pin_mismatch') throw err;
              lastError = err;
            }
          }
          throw lastError;
        },
        ({ session: s }) => ({ device: s.descriptor.id, params: { name: s.descriptor.name, firmware: s.descriptor.firmware.version } }),
      ),
    );
    if (values.json) printJson({ ...session.descriptor, paths });
    else process.stdout.write(`${formatDescriptor(session.descriptor, path)}\n`);
    return 0;
  } finally {
    db.close();
  }
}
