/**
 * What a technician types to reach a gateway directly: `10.0.0.7`, `gw.local:48621`,
 * `[fe80::1]:48621`, `/dev/ttyUSB0`, `/dev/ttyUSB0@921600`, `COM3`.
 */
import type { DevicePath } from '../api/schemas.js';
import { DEFAULT_FGP_PORT } from '../transport/tcp.js';

export const DEFAULT_SERIAL_BAUD = 115200;

export type AddressResult = { ok: true; path: DevicePath } | { ok: false; reason: string };

export function parseAddress(input: string): AddressResult {
  const text = input.trim();
  if (!text) return { ok: false, reason: 'the address is empty: give a host[:port] or a serial port path' };
  if (text.startsWith('/') || /^COM\d+(@\d+)?$/i.test(text)) {
    const [path, baud] = text.split('@') as [string, string | undefined];
    const baudRate = baud === undefined ? DEFAULT_SERIAL_BAUD : Number(baud);
    if (!Number.isInteger(baudRate) || baudRate <= 0) return { ok: false, reason: `"${baud}" is not a baud rate` };
    return { ok: true, path: { transport: 'serial', path, baudRate, via: 'manual' } };
  }
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text) ?? /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is neither a host[:port] nor a serial port path` };
  const port = m[2] === undefined ? DEFAULT_FGP_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, reason: `port ${m[2]} is out of range (1-65535)` };
  return { ok: true, path: { transport: 'tcp', host: m[1]!, port, tls: true, via: 'manual' } };
}
