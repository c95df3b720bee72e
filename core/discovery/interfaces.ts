/**
 * The laptop's IPv4 interfaces, classified so discovery can say "only Docker/VM bridges are up".
 *
 * Classification is by name first (the conventions of Docker, libvirt, VMware, VirtualBox,
 * WireGuard, ZeroTier, tun/tap) because that works on every OS; on Linux, sysfs adds two facts
 * names cannot give: whether the interface is administratively up, and whether a bridge only
 * joins virtual ports (network namespaces, containers) or a real NIC.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import type { InterfaceReport } from '../api/schemas.js';

export type InterfaceKind = InterfaceReport['kind'];

export interface NetInterface {
  readonly name: string;
  readonly address: string;
  readonly netmask: string;
  /** Directed broadcast address of the subnet (127.255.255.255 on loopback). */
  readonly broadcast: string;
  readonly prefixLength: number;
  readonly kind: InterfaceKind;
  /** False when the OS reports the interface administratively down. */
  readonly up: boolean;
}

/** What sysfs says about one interface; null where it says nothing (not Linux, no such file). */
export interface InterfaceFacts {
  readonly up: boolean | null;
  /** Ports of a bridge, each with whether it is a virtual device; null when not a bridge. */
  readonly bridgePorts: readonly { readonly name: string; readonly virtual: boolean }[] | null;
}

const VIRTUAL_NAME =
  /^(docker\d*|br-[0-9a-f]+|veth|virbr|vmnet|vboxnet|tun|tap|wg|zt|utun|vEthernet|lxcbr|lxdbr|cni|flannel|cali|podman|tailscale|ham)/i;
const LOOPBACK_NAME = /^(lo\d*|Loopback)/i;

export function classifyInterface(name: string, internal: boolean, facts: InterfaceFacts | null = null): InterfaceKind {
  if (internal || LOOPBACK_NAME.test(name)) return 'loopback';
  if (VIRTUAL_NAME.test(name)) return 'virtual';
  const ports = facts?.bridgePorts;
  if (ports) {
    // A bridge that joins only veths is a host for namespaces/containers, not a way onto the LAN.
    if (ports.length > 0 && ports.every((p) => p.virtual)) return 'namespace-bridge';
    if (ports.length === 0) return 'virtual';
  }
  return 'physical';
}

export function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

export function prefixLengthOf(netmask: string): number {
  const mask = ipv4ToInt(netmask);
  if (mask === null) return 32;
  let bits = 0;
  for (let bit = 31; bit >= 0 && ((mask >>> bit) & 1) === 1; bit--) bits++;
  return bits;
}

export function broadcastAddress(address: string, netmask: string): string {
  const ip = ipv4ToInt(address);
  const mask = ipv4ToInt(netmask);
  if (ip === null || mask === null) return address;
  return intToIpv4((ip | ~mask) >>> 0);
}

/** Whether `ip` is inside the subnet of `iface` (answers are attributed to the interface they came from). */
export function inSubnet(ip: string, iface: Pick<NetInterface, 'address' | 'netmask'>): boolean {
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(iface.address);
  const mask = ipv4ToInt(iface.netmask);
  if (a === null || b === null || mask === null) return false;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

/** Reads the Linux sysfs facts for one interface; returns nulls elsewhere. */
export function readSysfsFacts(name: string): InterfaceFacts {
  const base = `/sys/class/net/${name}`;
  let up: boolean | null = null;
  try {
    // IFF_UP is bit 0 of the flags word.
    up = (Number.parseInt(readFileSync(`${base}/flags`, 'utf8').trim(), 16) & 1) === 1;
  } catch {
    up = null;
  }
  let bridgePorts: { name: string; virtual: boolean }[] | null = null;
  try {
    bridgePorts = readdirSync(`${base}/brif`).map((port) => {
      let virtual = false;
      try {
        virtual = readlinkSync(`/sys/class/net/${port}`).includes('/devices/virtual/');
      } catch {
        virtual = false;
      }
      return { name: port, virtual };
    });
  } catch {
    bridgePorts = null;
  }
  return { up, bridgePorts };
}

export type InterfaceSource = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** Every IPv4 address of every interface (one entry per interface: its first IPv4 address). */
export function listInterfaces(
  source: InterfaceSource = os.networkInterfaces(),
  facts: (name: string) => InterfaceFacts | null = process.platform === 'linux' ? readSysfsFacts : () => null,
): NetInterface[] {
  const out: NetInterface[] = [];
  for (const [name, infos] of Object.entries(source)) {
    const info = infos?.find((i) => i.family === 'IPv4');
    if (!info) continue;
    const f = facts(name);
    out.push({
      name,
      address: info.address,
      netmask: info.netmask,
      broadcast: broadcastAddress(info.address, info.netmask),
      prefixLength: prefixLengthOf(info.netmask),
      kind: classifyInterface(name, info.internal, f),
      up: f?.up ?? true,
    });
  }
  return out;
}

export interface InterfaceChoice {
  readonly name: string;
  readonly iface: NetInterface | null;
  readonly used: boolean;
  readonly error?: string;
  /** Why it is used although nobody chose it (the network function of a USB gateway). */
  readonly reason?: string;
}

/**
 * Which interfaces discovery uses: the named ones, or by default every non-loopback interface
 * that is up. Loopback only when named, because gateways are never there except in tests and
 * demos. Every interface is listed (used or not) so the report shows what was left out and why.
 */
export function chooseInterfaces(all: readonly NetInterface[], names?: readonly string[]): InterfaceChoice[] {
  const named = names && names.length > 0 ? [...new Set(names)] : null;
  const out: InterfaceChoice[] = [];
  for (const iface of all) {
    const wanted = named ? named.includes(iface.name) : iface.kind !== 'loopback';
    if (wanted && !iface.up) out.push({ name: iface.name, iface, used: false, error: 'the interface is down' });
    else out.push({ name: iface.name, iface, used: wanted });
  }
  for (const name of named ?? []) {
    if (!all.some((i) => i.name === name))
      out.push({ name, iface: null, used: false, error: 'no such interface, or it has no IPv4 address' });
  }
  return out;
}
