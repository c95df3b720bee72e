/**
 * The agent's state directory: its identity key, its device description and configuration, and
 * the technicians it trusts.
 *
 *   device-key.pem            Ed25519 private key (PKCS#8 PEM, mode 0600); the device id is its
 *                             fingerprint, so losing it makes the gateway a new device
 *   device.json               what the gateway is and how it is configured (state-schema.ts)
 *   trusted-technicians.json  [{publicKey, name, role}], re-read on every auth.challenge so an
 *                             enrolment takes effect without a restart
 *
 * Every problem with a file becomes a StateError naming the file and the field, never a crash.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { generateIdentity, identityFromPem, identityToPem, type Ed25519Identity } from '../core/protocol/identity.js';
import {
  DEVICE_FILE,
  DEVICE_FILE_SCHEMA,
  deviceFile,
  KEY_FILE,
  TRUST_FILE,
  trustFile,
  type DeviceFile,
  type DeviceSeed,
  type TrustedTechnician,
} from './state-schema.js';

export class StateError extends Error {
  constructor(
    /** Full path of the file at fault. */
    readonly file: string,
    /** Dotted path of the first bad field, or null when the whole file is unreadable. */
    readonly field: string | null,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`${file}${field ? ` — field "${field}"` : ''}: ${reason}`);
    this.name = 'StateError';
  }
}

export interface TrustLoad {
  readonly technicians: readonly TrustedTechnician[];
  /** Set when the file could not be read; the last good list is used meanwhile. */
  readonly problem?: StateError;
}

export interface AgentState {
  readonly dir: string;
  readonly identity: Ed25519Identity;
  readonly device: DeviceFile;
  readonly created: { readonly key: boolean; readonly device: boolean };
  trustedTechnicians(): Promise<TrustLoad>;
  /** Adds (or renames) trusted technicians and saves the file. */
  trust(entries: readonly TrustedTechnician[]): Promise<void>;
}

export interface OpenStateOptions {
  /** Supplies the first device.json when there is none; never called otherwise. */
  readonly seed: () => Promise<DeviceSeed> | DeviceSeed;
  /** Technicians to trust in addition to those already in the file. */
  readonly trust?: readonly TrustedTechnician[];
}

function fieldPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function schemaError(file: string, error: z.ZodError, fix: string): StateError {
  const [first, ...others] = error.issues;
  const also = others.slice(0, 4).map((i) => `; also ${fieldPath(i.path) || '(top level)'}: ${i.message}`);
  const more = others.length > 4 ? `; and ${others.length - 4} more` : '';
  return new StateError(file, fieldPath(first?.path ?? []) || null, `${first?.message ?? 'invalid'}${also.join('')}${more}`, fix);
}

function isMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

function ioError(file: string, err: unknown, fix: string): StateError {
  const e = err as NodeJS.ErrnoException;
  const reason = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message;
  return new StateError(
    file,
    null,
    reason,
    e.code === 'EACCES' || e.code === 'EPERM' ? 'Run the agent as the user that owns the state directory.' : fix,
  );
}

/** Reads a JSON file through a schema; `undefined` when the file does not exist. */
async function readJson<S extends z.ZodType>(file: string, schema: S, fix: string): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw ioError(file, err, fix);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StateError(file, null, `not valid JSON (${(err as Error).message})`, fix);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw schemaError(file, parsed.error, fix);
  return parsed.data;
}

/** Write-then-rename, so a power cut never leaves half a file behind. */
async function writeAtomic(file: string, content: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, file);
}

const DEVICE_FIX =
  'Correct the field, or delete device.json to recreate it with defaults (the identity key is kept; configuration is reset).';
const TRUST_FIX = 'Correct the entry: each is {"publicKey": "<64 hex digits>", "name": "...", "role": "technician"}.';
const KEY_FIX =
  'Restore the key from a backup. Deleting it gives the gateway a new identity, and every laptop that paired with it will refuse it until re-paired.';

async function loadOrCreateKey(file: string): Promise<{ identity: Ed25519Identity; created: boolean }> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    if (!isMissing(err)) throw ioError(file, err, KEY_FIX);
    const identity = generateIdentity();
    await writeAtomic(file, identityToPem(identity), 0o600);
    return { identity, created: true };
  }
  try {
    return { identity: identityFromPem(pem), created: false };
  } catch (err) {
    throw new StateError(file, null, `not an Ed25519 private key in PEM form (${(err as Error).message})`, KEY_FIX);
  }
}

function mergeTrust(current: readonly TrustedTechnician[], added: readonly TrustedTechnician[]): TrustedTechnician[] {
  const byKey = new Map(current.map((t) => [t.publicKey, t]));
  for (const t of added) byKey.set(t.publicKey.toLowerCase(), { ...t, publicKey: t.publicKey.toLowerCase() });
  return [...byKey.values()];
}

function sameTrust(a: readonly TrustedTechnician[], b: readonly TrustedTechnician[]): boolean {
  return a.length === b.length && a.every((t, i) => t.publicKey === b[i]?.publicKey && t.name === b[i]?.name && t.role === b[i]?.role);
}

export async function openState(dir: string, options: OpenStateOptions): Promise<AgentState> {
  const root = path.resolve(dir);
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw ioError(root, err, 'Choose a state directory the agent can create and write (--state DIR).');
  }
  const keyFile = path.join(root, KEY_FILE);
  const deviceFilePath = path.join(root, DEVICE_FILE);
  const trustFilePath = path.join(root, TRUST_FILE);

  const key = await loadOrCreateKey(keyFile);
  // Tighten a key file someone copied in with loose permissions.
  await chmod(keyFile, 0o600).catch(() => undefined);

  let device = await readJson(deviceFilePath, deviceFile, DEVICE_FIX);
  const deviceCreated = device === undefined;
  if (device === undefined) {
    const seeded = deviceFile.safeParse({ schema: DEVICE_FILE_SCHEMA, ...(await options.seed()) });
    if (!seeded.success)
      throw schemaError(`${deviceFilePath} (initial values)`, seeded.error, 'Fix the identity values given to the agent.');
    device = seeded.data;
    await writeAtomic(deviceFilePath, `${JSON.stringify(device, null, 2)}\n`);
  }

  const stored = (await readJson(trustFilePath, trustFile, TRUST_FIX)) ?? [];
  let lastGood = mergeTrust(stored, options.trust ?? []);
  const fileExists = await readFile(trustFilePath).then(
    () => true,
    () => false,
  );
  if (!fileExists || !sameTrust(stored, lastGood)) await writeAtomic(trustFilePath, `${JSON.stringify(lastGood, null, 2)}\n`);

  return {
    dir: root,
    identity: key.identity,
    device,
    created: { key: key.created, device: deviceCreated },
    async trustedTechnicians(): Promise<TrustLoad> {
      try {
        lastGood = (await readJson(trustFilePath, trustFile, TRUST_FIX)) ?? [];
        return { technicians: lastGood };
      } catch (err) {
        if (err instanceof StateError) return { technicians: lastGood, problem: err };
        throw err;
      }
    },
    async trust(entries: readonly TrustedTechnician[]): Promise<void> {
      const current = (await readJson(trustFilePath, trustFile, TRUST_FIX)) ?? [];
      lastGood = mergeTrust(current, entries);
      await writeAtomic(trustFilePath, `${JSON.stringify(lastGood, null, 2)}\n`);
    },
  };
}
