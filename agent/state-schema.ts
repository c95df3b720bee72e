/**
 * The shapes of the files in an agent's state directory.
 *
 * These files are edited by hand on real gateways, so the schemas are strict: an unknown key is
 * far more likely a typo ("hostnmae") than a feature, and silently ignoring it would leave the
 * technician wondering why the change did nothing.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';

export const DEVICE_FILE = 'device.json';
export const KEY_FILE = 'device-key.pem';
export const TRUST_FILE = 'trusted-technicians.json';
export const DEVICE_FILE_SCHEMA = 1;

const slotName = z.enum(['a', 'b']);
const text = (max: number) => z.string().max(max);

/** One DNS label: the SRV target is `<hostname>.local`, so dots would change its meaning. */
const hostname = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
    'a hostname is one label of letters, digits and "-" (1 to 63 characters, no dots)',
  );

const ipv4 = z.string().refine((s) => isIPv4(s), { message: 'expected an IPv4 address such as 192.168.1.10' });
const ipv4Cidr = z.string().refine(
  (s) => {
    const [address, prefix, extra] = s.split('/');
    return (
      extra === undefined &&
      address !== undefined &&
      isIPv4(address) &&
      prefix !== undefined &&
      /^\d{1,2}$/.test(prefix) &&
      Number(prefix) <= 32
    );
  },
  { message: 'expected an IPv4 address with a prefix length, such as 192.168.1.10/24' },
);

const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as "UTC" or "Europe/Berlin"' },
);

export const networkInterfaceConfig = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'an interface name is 1 to 15 characters such as "eth0"'),
    mode: z.enum(['dhcp', 'static']),
    addresses: z.array(ipv4Cidr).max(16).optional(),
    gateway: ipv4.optional(),
    dns: z.array(ipv4).max(8).optional(),
  })
  .refine((i) => i.mode !== 'static' || (i.addresses?.length ?? 0) > 0, {
    message: 'a static interface needs at least one entry in "addresses"',
    path: ['addresses'],
  });

export const deviceConfig = z.strictObject({
  hostname,
  site: text(255),
  timezone,
  network: z.strictObject({ interfaces: z.array(networkInterfaceConfig).max(32) }),
});

export const slot = z.strictObject({
  name: slotName,
  version: text(64),
  state: z.enum(['active', 'inactive', 'trial', 'empty']),
});

export const deviceFile = z
  .strictObject({
    schema: z.literal(DEVICE_FILE_SCHEMA),
    name: text(255).min(1),
    vendor: text(255),
    model: text(255).min(1),
    hardwareRevision: text(64),
    serial: text(128),
    /** The firmware version is the active slot's: one place to change on activate. */
    activeSlot: slotName,
    slots: z.array(slot).min(1).max(2),
    models: z
      .array(
        z.strictObject({
          name: text(255).min(1),
          version: text(64),
          sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
        }),
      )
      .max(1024),
    accelerators: z.array(z.strictObject({ kind: text(64).min(1), name: text(255) })).max(64),
    capabilities: z.array(text(64).min(1)).max(256),
    config: deviceConfig,
  })
  .superRefine((d, ctx) => {
    const names = d.slots.map((s) => s.name);
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: 'custom', path: ['slots'], message: 'each slot name ("a", "b") may appear only once' });
    const active = d.slots.find((s) => s.name === d.activeSlot);
    if (!active) ctx.addIssue({ code: 'custom', path: ['activeSlot'], message: `slot "${d.activeSlot}" is not listed in "slots"` });
    else if (active.state !== 'active' && active.state !== 'trial') {
      ctx.addIssue({
        code: 'custom',
        path: ['slots', d.slots.indexOf(active), 'state'],
        message: `the active slot "${d.activeSlot}" must be in state "active" or "trial", not "${active.state}"`,
      });
    }
  });

export const trustedTechnician = z.strictObject({
  publicKey: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'an Ed25519 public key is 64 hex digits (32 bytes)')
    .transform((s) => s.toLowerCase()),
  name: text(128).min(1),
  role: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a role is a short lowercase word such as "technician"'),
});

export const trustFile = z.array(trustedTechnician).max(10_000);

export type DeviceFile = z.infer<typeof deviceFile>;
export type DeviceConfig = z.infer<typeof deviceConfig>;
export type NetworkInterfaceConfig = z.infer<typeof networkInterfaceConfig>;
export type Slot = z.infer<typeof slot>;
export type TrustedTechnician = z.infer<typeof trustedTechnician>;

/** Everything in device.json but the schema number: what emulation or the hardware supplies. */
export type DeviceSeed = Omit<DeviceFile, 'schema'>;

export function firmwareVersion(device: DeviceFile): string {
  return device.slots.find((s) => s.name === device.activeSlot)?.version ?? '';
}
