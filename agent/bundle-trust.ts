/**
 * The signers a gateway itself trusts: `trusted-signers.json` in its state directory.
 *
 * Same shape as the app's TrustPolicy ({ keys, thresholds }), because the gateway repeats the
 * laptop's signature checks with its own list: a laptop whose trust store was tampered with must
 * not be able to vouch for a bundle. Emulated gateways are seeded with the DEMO roots
 * (resources/demo/trust-roots.json); a real gateway starts with no signers and refuses every
 * bundle until its operator installs the organisation's keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BUNDLE_KINDS, type BundleKind } from '../core/bundle/manifest.js';
import type { TrustPolicy } from '../core/bundle/trust.js';
import { fingerprint, fromHex } from '../core/protocol/identity.js';
import { StateError } from './state.js';

export const TRUSTED_SIGNERS_FILE = 'trusted-signers.json';
export const DEMO_TRUST_ROOTS_FILE = 'resources/demo/trust-roots.json';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
const role = z.enum(['image-signer', 'model-signer']);
const epochMs = z.number().int().min(0);

const trustedKey = z
  .strictObject({
    keyId: hex64,
    publicKey: hex64,
    name: z.string().min(1).max(128),
    roles: z.array(role).min(1).max(2),
    source: z.enum(['demo-root', 'imported']),
    addedAt: epochMs,
    expiresAt: epochMs.nullable(),
    revokedAt: epochMs.nullable(),
    revokedReason: z.string().max(1024).nullable(),
  })
  .refine((k) => fingerprint(fromHex(k.publicKey)) === k.keyId, {
    message: 'keyId is not the SHA-256 of publicKey (key ids are the hex SHA-256 of the raw 32-byte Ed25519 public key)',
    path: ['keyId'],
  });

const threshold = z.number().int().min(1).max(64);

export const trustedSignersFile = z
  .strictObject({
    keys: z.array(trustedKey).max(1024),
    thresholds: z.strictObject({ 'os-image': threshold, firmware: threshold, model: threshold }),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.keys.forEach((k, i) => {
      if (seen.has(k.keyId)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'keyId'], message: `key ${k.keyId} is listed twice` });
      seen.add(k.keyId);
    });
  });

export type GatewayTrustPolicy = z.infer<typeof trustedSignersFile>;
export type GatewayTrustedKey = GatewayTrustPolicy['keys'][number];

const demoRootsFile = z.object({
  comment: z.string(),
  keys: z.array(
    z.object({
      keyId: hex64,
      publicKey: hex64,
      name: z.string().min(1),
      roles: z.array(role).min(1),
      expiresAt: epochMs.nullable(),
    }),
  ),
  thresholds: z.record(z.enum(BUNDLE_KINDS), threshold),
});

const SIGNERS_FIX =
  'Correct the entry, or replace the file with the organisation\'s signer list: {"keys": [{keyId, publicKey, name, roles, source, addedAt, expiresAt, revokedAt, revokedReason}], "thresholds": {"os-image": 1, "firmware": 1, "model": 1}}.';

/** Finds resources/demo/trust-roots.json from the source tree (tsx) or the build output (dist/agent). */
export function demoTrustRootsPath(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DEMO_TRUST_ROOTS_FILE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${DEMO_TRUST_ROOTS_FILE} not found above ${from}`);
  }
}

/** The DEMO roots as a gateway trust policy. Demo material only: their private keys are public. */
export function demoTrustPolicy(addedAt: number, file = demoTrustRootsPath()): GatewayTrustPolicy {
  const parsed = demoRootsFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const thresholds = Object.fromEntries(BUNDLE_KINDS.map((k) => [k, parsed.thresholds[k] ?? 1])) as Record<BundleKind, number>;
  return trustedSignersFile.parse({
    keys: parsed.keys.map((k) => ({ ...k, source: 'demo-root', addedAt, revokedAt: null, revokedReason: null })),
    thresholds,
  });
}

/** A policy that trusts nobody: what a gateway without trusted-signers.json enforces. */
export const EMPTY_TRUST_POLICY: GatewayTrustPolicy = { keys: [], thresholds: { 'os-image': 1, firmware: 1, model: 1 } };

export interface GatewayTrustLoad {
  /** Checked against the schema above; typed as core/bundle's TrustPolicy so verifyBundle takes it as is. */
  readonly policy: TrustPolicy;
  /** False when the file does not exist (the policy is then empty and refuses every bundle). */
  readonly configured: boolean;
  readonly file: string;
}

/** Reads trusted-signers.json (re-read on every check, so a key change needs no restart). Throws StateError. */
export async function loadGatewayTrust(stateDir: string): Promise<GatewayTrustLoad> {
  const file = path.join(path.resolve(stateDir), TRUSTED_SIGNERS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { policy: EMPTY_TRUST_POLICY, configured: false, file };
    throw new StateError(file, null, e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message, SIGNERS_FIX);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StateError(file, null, `not valid JSON (${(err as Error).message})`, SIGNERS_FIX);
  }
  const parsed = trustedSignersFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join('.') : null;
    throw new StateError(file, field, issue?.message ?? 'invalid', SIGNERS_FIX);
  }
  return { policy: parsed.data, configured: true, file };
}

/** Writes trusted-signers.json atomically (validated first, so a bad policy never reaches disk). */
export async function saveGatewayTrust(stateDir: string, policy: GatewayTrustPolicy): Promise<string> {
  const valid = trustedSignersFile.parse(policy);
  const file = path.join(path.resolve(stateDir), TRUSTED_SIGNERS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(tmp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, file);
  return file;
}

/** For emulated gateways: trust the demo roots unless the state directory already has a signer list. */
export async function ensureDemoSigners(stateDir: string, now = Date.now()): Promise<GatewayTrustLoad> {
  const current = await loadGatewayTrust(stateDir);
  if (current.configured) return current;
  const policy = demoTrustPolicy(now);
  return { policy, configured: true, file: await saveGatewayTrust(stateDir, policy) };
}
