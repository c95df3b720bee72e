/**
 * The gateway a `fieldline bench` or `fieldline diagnose` works on, through the engine (so the
 * run is stored in the data directory like one from the app): an address (host[:port] or a
 * serial port) is added directly; a device id or its first 6+ hex digits is found by discovery,
 * as `fieldline info` and `fieldline flash` do. The device comes back with a fresh descriptor.
 */
import type { Device } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { call, isIdPrefix, resolveGateways } from '../engine-calls.js';
import { parsePositive, splitList } from '../output.js';

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

export async function resolveGateway(engine: Engine, arg: string, flags: TargetFlags, usage: string): Promise<Device> {
  const [device] = await resolveGateways(engine, [arg], flags, usage);
  if (!isIdPrefix(arg)) return device!;
  // Opens a session: the descriptor (installed models) is the gateway's own, read now.
  return call<Device>(engine, 'devices.info', { id: device!.id });
}
