/**
 * `fieldline serve` flags, parsed into options or a specific complaint.
 */
import { parseArgs } from 'node:util';
import { isLoopbackAddress } from './request-guards.js';

export const serveUsage = `fieldline serve [--port N] [--host ADDR] [--no-open] [--data-dir DIR] [--interfaces lo,eth0] [--serial /dev/ttyUSB0,...] [--resume-interrupted] [--passphrase]
  Runs the Fieldline UI in your browser: prints a link with a one-time access token and opens it
  unless --no-open. Binds 127.0.0.1 on a free port unless told otherwise; --host 0.0.0.0 lets a
  tablet on the site network connect (anyone with the link can then use this laptop's key).
  --resume-interrupted resumes the flash jobs a crashed run left running (the gateways keep the bytes they got).
  --passphrase seals your keys with a passphrase: the page asks for it (chosen the first time) before
  anything is signed. A folder already sealed that way always asks.`;

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly open: boolean;
  readonly dataDir?: string;
  readonly interfaces?: readonly string[];
  readonly serialPorts?: readonly string[];
  /** Resume the flash jobs the previous run left running (after a crash or a kill). */
  readonly resumeInterrupted?: boolean;
  /** Seal the keys with a passphrase; the engine starts locked (core/secrets). */
  readonly passphrase?: boolean;
}

export type ParsedServeArgs = { readonly ok: true; readonly options: ServeOptions } | { readonly ok: false; readonly message: string };

function list(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return items.length > 0 ? items : undefined;
}

const flags = {
  port: { type: 'string' },
  host: { type: 'string' },
  'no-open': { type: 'boolean' },
  'data-dir': { type: 'string' },
  interfaces: { type: 'string' },
  serial: { type: 'string' },
  'resume-interrupted': { type: 'boolean' },
  passphrase: { type: 'boolean' },
} as const;

function readFlags(
  argv: readonly string[],
): { ok: true; values: ReturnType<typeof parseArgs<{ options: typeof flags }>>['values'] } | { ok: false; message: string } {
  try {
    return { ok: true, values: parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false }).values };
  } catch (err) {
    return { ok: false, message: `${(err as Error).message}\n\n${serveUsage}` };
  }
}

export function parseServeArgs(argv: readonly string[]): ParsedServeArgs {
  const read = readFlags(argv);
  if (!read.ok) return read;
  const values = read.values;
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535)
      return { ok: false, message: `--port must be a number from 0 to 65535 (0 picks a free port), got "${values.port}"` };
  }
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') return { ok: false, message: '--host needs an address, e.g. 127.0.0.1' };
  const interfaces = list(values.interfaces);
  const serialPorts = list(values.serial);
  return {
    ok: true,
    options: {
      port,
      host,
      open: values['no-open'] !== true,
      ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
      ...(interfaces === undefined ? {} : { interfaces }),
      ...(serialPorts === undefined ? {} : { serialPorts }),
      ...(values['resume-interrupted'] === true ? { resumeInterrupted: true } : {}),
      ...(values.passphrase === true ? { passphrase: true } : {}),
    },
  };
}

export function exposureWarning(host: string): string | null {
  if (isLoopbackAddress(host)) return null;
  return `Listening on ${host}: other machines on this network can reach this server. Anyone with the link (it contains the access token) can act as you on your gateways.`;
}
