/**
 * How CLI commands talk to the engine they run in-process: one validated call (errors become CLI
 * errors with the engine's reason and fix), and gateways named on the command line, by address
 * (added directly) or by device id / its first 6+ hex digits (found by discovery).
 */
import { dispatch } from '../core/api/dispatch.js';
import type { Device } from '../core/api/schemas.js';
import { parseAddress } from '../core/engine/address.js';
import type { Engine } from '../core/engine/engine.js';
import { CliError } from './output.js';

export async function call<T>(engine: Engine, method: string, params: unknown = {}): Promise<T> {
  const outcome = await dispatch(engine.handlers, method, params);
  if (!outcome.ok) throw new CliError(outcome.error.message, outcome.error.fix, outcome.error.code, 1);
  return outcome.value as T;
}

/** A device id prefix, not a port number or an address. */
export const isIdPrefix = (arg: string): boolean => /^[0-9a-f]{6,64}$/i.test(arg) && !/^\d+$/.test(arg) && !arg.includes('.');

export interface LookupOptions {
  readonly interfaces?: readonly string[] | undefined;
  /** How long discovery looks for gateways given by id. */
  readonly timeoutMs: number;
}

/** The gateways `args` name, in the order given; an id prefix that matches several is refused. */
export async function resolveGateways(engine: Engine, args: readonly string[], lookup: LookupOptions, usage: string): Promise<Device[]> {
  const found = new Map<string, Device>();
  const prefixes = args.filter(isIdPrefix).map((a) => a.toLowerCase());
  for (const arg of args) {
    if (isIdPrefix(arg)) continue;
    const parsed = parseAddress(arg);
    if (!parsed.ok) throw new CliError(`${parsed.reason}\n${usage}`);
    found.set(arg, await call<Device>(engine, 'devices.add', { address: arg }));
  }
  if (prefixes.length) {
    await call(engine, 'discovery.start', lookup.interfaces ? { interfaces: [...lookup.interfaces] } : {});
    const deadline = Date.now() + lookup.timeoutMs;
    let listed: Device[] = [];
    try {
      while (Date.now() < deadline) {
        listed = await call<Device[]>(engine, 'devices.list');
        if (prefixes.every((p) => listed.some((d) => d.id.startsWith(p)))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await call(engine, 'discovery.stop');
    }
    const missing: string[] = [];
    for (const prefix of prefixes) {
      const matches = listed.filter((d) => d.id.startsWith(prefix));
      if (matches.length > 1) throw new CliError(`"${prefix}" matches ${matches.length} gateways; give more digits of the id`);
      if (matches[0]) found.set(prefix, matches[0]);
      else missing.push(prefix);
    }
    if (missing.length)
      throw new CliError(
        `no gateway with an id starting ${missing.join(', ')} answered within ${Math.round(lookup.timeoutMs / 1000)} s`,
        'Check it is powered and connected, give --timeout S or --interfaces, or give its address instead.',
        'not_found',
        1,
      );
  }
  return args.map((arg) => found.get(isIdPrefix(arg) ? arg.toLowerCase() : arg)!);
}
