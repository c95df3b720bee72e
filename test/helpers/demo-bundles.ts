/**
 * Real signed bundles for the library tests: one good, one with a flipped payload byte.
 *
 * Made with core/bundle's createBundle and the committed DEMO signing key, which the demo trust
 * roots accept, so a fresh data folder verifies the good one without any setup.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createBundle } from '../../core/bundle/index.js';
import { identityFromPem, type Ed25519Identity } from '../../core/protocol/identity.js';

const REPO = resolve(import.meta.dirname, '..', '..');

export interface DemoSigner {
  readonly keyId: string;
  readonly identity: Ed25519Identity;
}

export function demoImageSigner(): DemoSigner {
  const json = JSON.parse(readFileSync(join(REPO, 'resources', 'demo', 'signing-keys', 'image-signer-1.json'), 'utf8')) as {
    keyId: string;
    privateKeyPem: string;
  };
  return { keyId: json.keyId, identity: identityFromPem(json.privateKeyPem) };
}

/** A recognisable payload, so the tampering below can find its bytes in the archive. */
const MARKER = 'FIELDLINE-E2E-ROOTFS-BLOCK:';

export interface DemoBundles {
  readonly good: string;
  readonly tampered: string;
}

/** Writes `gw-os-1.4.0.flb` (verifies) and `gw-os-1.4.0-tampered.flb` (one payload byte flipped) into dir. */
export async function makeDemoBundles(dir: string): Promise<DemoBundles> {
  const rootfs = join(dir, 'rootfs.img');
  await writeFile(rootfs, Buffer.from(MARKER.repeat(4096)));
  const notes = join(dir, 'NOTES.txt');
  await writeFile(notes, 'Security fixes and a faster boot.\n');
  const now = Date.now();
  const good = join(dir, 'gw-os-1.4.0.flb');
  await createBundle({
    manifest: {
      schema: 'fieldline.bundle/v1',
      name: 'Gateway OS',
      kind: 'os-image',
      version: '1.4.0',
      securityCounter: 7,
      hardware: [{ model: 'Emulated gateway', revisions: [] }],
      created: new Date(now - 60_000).toISOString(),
      expires: new Date(now + 365 * 24 * 3600_000).toISOString(),
      releaseNotes: 'Security fixes and a faster boot.',
    },
    files: [
      { path: 'rootfs.img', source: rootfs, target: 'slot' },
      { path: 'NOTES.txt', source: notes, target: 'aux' },
    ],
    out: good,
    signers: [demoImageSigner().identity],
  });
  const bytes = await readFile(good);
  const at = bytes.indexOf(MARKER, 0, 'latin1');
  if (at < 0) throw new Error('the payload was not found in the bundle it was written to');
  const flipAt = at + 1000;
  bytes[flipAt] = bytes[flipAt]! ^ 0x01;
  const tampered = join(dir, 'gw-os-1.4.0-tampered.flb');
  await writeFile(tampered, bytes);
  return { good, tampered };
}
