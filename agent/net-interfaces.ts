/**
 * The IPv4 interfaces the agent announces on, and which of them a datagram came from.
 *
 * Node cannot tell which interface a UDP datagram arrived on, so the source address decides: a
 * query from 10.77.0.5 belongs to the interface whose subnet holds it. That keeps each answer's
 * A record right when one machine sits on several networks.
 */
import { isIPv4 } from 'node:net';
import os from 'node:os';

export interface Ipv4Interface {
  readonly name: string;
  readonly address: string;
  readonly netmask: string;
  readonly internal: boolean;
}

export function ipv4Interfaces(): Ipv4Interface[] {
  const out: Ipv4Interface[] = [];
  for (const [name, entries] of Object.entries(os.networkInterfaces())) {
    for (const e of entries ?? []) {
      if (e.family === 'IPv4') out.push({ name, address: e.address, netmask: e.netmask, internal: e.internal });
    }
  }
  return out;
}

export interface ResolvedInterfaces {
  readonly found: readonly Ipv4Interface[];
  /** Addresses asked for that no interface of this machine has. */
  readonly missing: readonly string[];
}

/** The interfaces for the given addresses, or every IPv4 interface when none are given. */
export function resolveInterfaces(addresses?: readonly string[]): ResolvedInterfaces {
  const all = ipv4Interfaces();
  if (!addresses) return { found: all, missing: [] };
  const found: Ipv4Interface[] = [];
  const missing: string[] = [];
  for (const address of addresses) {
    const iface = all.find((i) => i.address === address);
    if (iface) found.push(iface);
    else missing.push(address);
  }
  return { found, missing };
}

function toInt(address: string): number {
  return address.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

export function inSubnet(address: string, iface: Ipv4Interface): boolean {
  if (!isIPv4(address)) return false;
  const mask = toInt(iface.netmask);
  return (toInt(address) & mask) >>> 0 === (toInt(iface.address) & mask) >>> 0;
}

export function checkIpv4List(addresses: readonly string[]): string | null {
  const bad = addresses.filter((a) => !isIPv4(a));
  return bad.length ? `not IPv4 addresses: ${bad.join(', ')} (give interface addresses such as 127.0.0.1 or 10.77.0.1)` : null;
}
