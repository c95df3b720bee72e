/**
 * Crafting bundles for the core/bundle tests: good ones through createBundle, hostile ones by
 * writing tar entries by hand (signed manifests that list exactly what the test needs).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import {
  createEnvelope,
  encodeEnvelope,
  encodeManifest,
  END_OF_ARCHIVE,
  MANIFEST_SCHEMA,
  signEnvelope,
  tarHeader,
  tarPadding,
  type DsseEnvelope,
  type Manifest,
  type ManifestPayload,
  type TarHeaderFields,
  type TrustedKey,
  type TrustPolicy,
  type TrustRole,
} from '../../core/bundle/index.js';
import { generateIdentity, identityFromPem, toHex, type Ed25519Identity } from '../../core/protocol/identity.js';

const REPO = resolve(import.meta.dirname, '..', '..');

export type DemoKeyName = 'image-signer-1' | 'image-signer-2' | 'model-signer';

export function demoKey(name: DemoKeyName): Ed25519Identity {
  const json = JSON.parse(readFileSync(join(REPO, 'resources', 'demo', 'signing-keys', `${name}.json`), 'utf8')) as {
    privateKeyPem: string;
  };
  return identityFromPem(json.privateKeyPem);
}

export const NOW = Date.parse('2026-03-01T12:00:00Z');

export function trustedKey(identity: Ed25519Identity, roles: readonly TrustRole[], extra: Partial<TrustedKey> = {}): TrustedKey {
  return {
    keyId: identity.id,
    publicKey: toHex(identity.publicKey),
    name: extra.name ?? `key ${identity.id.slice(0, 6)}`,
    roles,
    source: 'imported',
    addedAt: NOW - 1000,
    expiresAt: null,
    revokedAt: null,
    revokedReason: null,
    ...extra,
  };
}

/** The demo roots as a policy: two image signers, one model signer, threshold 1 everywhere. */
export function demoPolicy(thresholds: Partial<TrustPolicy['thresholds']> = {}): TrustPolicy {
  return {
    keys: [
      trustedKey(demoKey('image-signer-1'), ['image-signer'], { name: 'Demo Image Signer 1' }),
      trustedKey(demoKey('image-signer-2'), ['image-signer'], { name: 'Demo Image Signer 2' }),
      trustedKey(demoKey('model-signer'), ['model-signer'], { name: 'Demo Model Signer' }),
    ],
    thresholds: { 'os-image': 1, firmware: 1, model: 1, ...thresholds },
  };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function manifestFor(payloads: readonly ManifestPayload[], overrides: Partial<Manifest> = {}): Manifest {
  return {
    schema: MANIFEST_SCHEMA,
    name: 'Gateway OS',
    kind: 'os-image',
    version: '2.1.0',
    securityCounter: 5,
    hardware: [{ model: 'EG-400', revisions: ['B', 'C'] }],
    payloads: [...payloads],
    created: '2026-02-01T00:00:00Z',
    expires: '2027-02-01T00:00:00Z',
    ...overrides,
  };
}

export function payloadOf(path: string, data: Uint8Array, target: ManifestPayload['target'] = 'slot'): ManifestPayload {
  return { path, size: data.length, sha256: sha256(data), target };
}

export function envelopeFor(manifest: Manifest, signers: readonly Ed25519Identity[] = [demoKey('image-signer-1')]): DsseEnvelope {
  let envelope = createEnvelope(encodeManifest(manifest));
  for (const s of signers) envelope = signEnvelope(envelope, s);
  return envelope;
}

export type RawEntry = { readonly header: TarHeaderFields; readonly data?: Uint8Array } | { readonly raw: Uint8Array };

export function entry(path: string, data: Uint8Array, header: Partial<TarHeaderFields> = {}): RawEntry {
  return { header: { path, size: data.length, ...header }, data };
}

export function manifestEntry(envelope: DsseEnvelope | Uint8Array): RawEntry {
  const bytes = envelope instanceof Uint8Array ? envelope : encodeEnvelope(envelope);
  return entry('manifest.dsse.json', bytes);
}

/** Tar bytes for `entries`, then the end marker unless `end: false`, then `trailer`. */
export function tarBytes(entries: readonly RawEntry[], options: { end?: boolean; trailer?: Uint8Array } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if ('raw' in e) {
      parts.push(Buffer.from(e.raw));
      continue;
    }
    const data = e.data ?? new Uint8Array(0);
    parts.push(tarHeader(e.header), Buffer.from(data), tarPadding(data.length));
  }
  if (options.end !== false) parts.push(END_OF_ARCHIVE);
  if (options.trailer) parts.push(Buffer.from(options.trailer));
  return Buffer.concat(parts);
}

export interface TempDir {
  readonly dir: string;
  file(name: string, bytes: Uint8Array): Promise<string>;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = 'fieldline-bundle-'): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    async file(name, bytes) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export { generateIdentity };
