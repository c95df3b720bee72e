/**
 * The gateway a `fieldline bench` or `fieldline diagnose` works on, through the engine (so the
 * run is stored in the data directory like one from the app): an address (host[:port] or a
 * serial port) is added directly; a device id or its first 6+ hex digits is found by discovery,
 * as `fieldline info` and `fieldline flash` do. The device comes back with a fresh descriptor.
 */
import { dispatch } from '../../core/api/dispatch.js';
import type { Device } from '../../core/api/schemas.js';
import { parseAddress } from '../../core/engine/address.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { CliError, parsePositive, splitList } from '../output.js';

export const targetOptionSpec = {
  'data-dir': { type: 'string' },
  interfaces: { type: 'string' },
  'udp-port': { type: 'string' },
  timeout: { type: 'string' },
} as const;

export interface TargetFlags {
  readonly dataDir: string;
  readonly interfaces?: string[];
  readonly udpPort?: number;
  /** How long discovery looks for a device given by id. */
  readonly timeoutMs: number;
}

export function targetFlags(
  values: {
    'data-dir'?: string | undefined;
    interfaces?: string | undefined;
    'udp-port'?: string | undefined;
    timeout?: string | undefined;
  },
  defaultDataDir: string,
): TargetFlags {
  const interfaces = splitList(values.interfaces);
  return {
    dataDir: values['data-dir'] ?? defaultDataDir,
    ...(interfaces ? { interfaces } : {}),
    ...(values['udp-port'] === undefined ? {} : { udpPort: parsePositive('udp-port', values['udp-port'], 0) }),
    timeoutMs: parsePositive('timeout', values.timeout, 5) * 1000,
  };
}

export async function openEngine(flags: TargetFlags): Promise<Engine> {
  return createEngine({
    dataDir: flags.dataDir,
    host: 'cli',
    ...(flags.interfaces || flags.udpPort !== undefined
      ? {
          discovery: {
            ...(flags.interfaces ? { interfaces: flags.interfaces } : {}),
            ...(flags.udpPort !== undefined ? { udpPort: flags.udpPort } : {}),
          },
        }
      : {}),
  });
}

export async function call<T>(engine: Engine, method: string, params: unknown = {}): Promise<T> {
  const outcome = await dispatch(engine.handlers, method, params);
  if (!outcome.ok) throw new CliError(outcome.error.message, outcome.error.fix, outcome.error.code, 1);
  return outcome.value as T;
}

/** A device id prefix, not a port number or an IPv4 address. */
const isIdPrefix = (arg: string): boolean => /^[0-9a-f]{6,64}$/i.test(arg) && !/^\d+$/.test(arg);

export async function resolveGateway(engine: Engine, arg: string, flags: TargetFlags, usage: string): Promise<Device> {
  if (!isIdPrefix(arg)) {
    const parsed = parseAddress(arg);
    if (!parsed.ok) throw new CliError(`${parsed.reason}\n${usage}`);
    return call<Device>(engine, 'devices.add', { address: arg });
  }
  const prefix = arg.toLowerCase();
  await call(engine, 'discovery.start', flags.interfaces ? { interfaces: flags.interfaces } : {});
  const deadline = Date.now() + flags.timeoutMs;
  let matches: Device[] = [];
  try {
    while (Date.now() < deadline) {
      matches = (await call<Device[]>(engine, 'devices.list')).filter((d) => d.id.startsWith(prefix));
      if (matches.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await call(engine, 'discovery.stop');
  }
  if (matches.length > 1) throw new CliError(`"${arg}" matches ${matches.length} gateways; give more digits of the id`);
  const device = matches[0];
  if (!device)
    throw new CliError(
      `no gateway with an id starting ${prefix} answered within ${Math.round(flags.timeoutMs / 1000)} s`,
      'Check it is powered and connected, give --timeout S or --interfaces, or give its address instead.',
      'not_found',
      1,
    );
  // Opens a session: the descriptor (installed models) is the gateway's own, read now.
  return call<Device>(engine, 'devices.info', { id: device.id });
}
