/**
 * Data shapes shared by the engine and every UI host.
 *
 * Everything that crosses the UI/engine boundary is plain JSON: bytes travel as lowercase hex.
 */
import { z } from 'zod';

export const hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, 'expected lowercase hex bytes');
export const deviceId = z.string().regex(/^[0-9a-f]{64}$/, 'a device id is 64 lowercase hex digits');

export const tcpPath = z.object({
  transport: z.literal('tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean(),
  via: z.enum(['mdns', 'udp', 'manual']),
  iface: z.string().optional(),
});
export const serialPath = z.object({
  transport: z.literal('serial'),
  path: z.string().min(1),
  baudRate: z.number().int().positive(),
  via: z.enum(['probe', 'manual']),
});
export const devicePath = z.discriminatedUnion('transport', [tcpPath, serialPath]);

export const slotInfo = z.object({
  name: z.enum(['a', 'b']),
  version: z.string(),
  state: z.enum(['active', 'inactive', 'trial', 'empty']),
});
export const installedModel = z.object({ name: z.string(), version: z.string(), sha256: hex });
export const accelerator = z.object({ kind: z.string(), name: z.string() });

/** The answer to `hello`: everything a gateway says about itself. */
export const deviceDescriptor = z.object({
  protocol: z.number().int(),
  id: deviceId,
  publicKey: hex,
  name: z.string(),
  vendor: z.string(),
  model: z.string(),
  hardwareRevision: z.string(),
  serial: z.string(),
  firmware: z.object({ version: z.string(), activeSlot: z.enum(['a', 'b']) }),
  slots: z.array(slotInfo),
  models: z.array(installedModel),
  accelerators: z.array(accelerator),
  capabilities: z.array(z.string()),
  maxFrame: z.number().int().positive(),
});

export const deviceState = z.enum(['online', 'lost']);

/** One gateway as the registry knows it: merged over every path it was seen on. */
export const device = z.object({
  id: deviceId,
  name: z.string(),
  vendor: z.string(),
  model: z.string(),
  serial: z.string(),
  firmware: z.string(),
  paths: z.array(devicePath),
  state: deviceState,
  firstSeen: z.number(),
  lastSeen: z.number(),
  descriptor: deviceDescriptor.optional(),
  authenticated: z.boolean(),
});

export const deviceChange = z.object({
  kind: z.enum(['appeared', 'updated', 'lost']),
  device,
});

export const interfaceKind = z.enum(['physical', 'virtual', 'loopback', 'namespace-bridge']);
export const interfaceReport = z.object({
  name: z.string(),
  address: z.string(),
  kind: interfaceKind,
  used: z.boolean(),
  mdnsAnswers: z.number().int(),
  udpAnswers: z.number().int(),
  error: z.string().optional(),
});
export const serialPortReport = z.object({
  path: z.string(),
  reason: z.enum(['catalog', 'named']),
  catalogEntry: z.string().optional(),
  baudRates: z.array(z.number().int()),
  result: z.enum(['pending', 'found', 'no-answer', 'permission-denied', 'busy', 'error']),
  detail: z.string().optional(),
});
export const hint = z.object({ code: z.string(), message: z.string(), fix: z.string() });

/** "Why not found": what discovery tried, what answered, and what to check. */
export const discoveryReport = z.object({
  running: z.boolean(),
  startedAt: z.number().nullable(),
  interfaces: z.array(interfaceReport),
  serialPorts: z.array(serialPortReport),
  devicesFound: z.number().int(),
  hints: z.array(hint),
});

export const profile = z.object({
  name: z.string(),
  organisation: z.string(),
  keyId: hex,
  publicKey: hex,
  createdAt: z.number(),
});

export const authResult = z.object({
  deviceId,
  technician: z.string(),
  role: z.string(),
});

export const appInfo = z.object({
  version: z.string(),
  host: z.enum(['electron', 'web', 'cli']),
  dataDir: z.string(),
});

export type DevicePath = z.infer<typeof devicePath>;
export type TcpPath = z.infer<typeof tcpPath>;
export type SerialPath = z.infer<typeof serialPath>;
export type DeviceDescriptor = z.infer<typeof deviceDescriptor>;
export type Device = z.infer<typeof device>;
export type DeviceState = z.infer<typeof deviceState>;
export type DeviceChange = z.infer<typeof deviceChange>;
export type InterfaceReport = z.infer<typeof interfaceReport>;
export type SerialPortReport = z.infer<typeof serialPortReport>;
export type Hint = z.infer<typeof hint>;
export type DiscoveryReport = z.infer<typeof discoveryReport>;
export type Profile = z.infer<typeof profile>;
export type AuthResult = z.infer<typeof authResult>;
export type AppInfo = z.infer<typeof appInfo>;
