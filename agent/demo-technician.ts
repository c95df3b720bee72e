/**
 * The demo technician (resources/demo/technician.json): a published key that emulated gateways
 * trust, so `fieldline demo` and the tests can authenticate. Demo material only: the private key
 * is in the repository, so no real gateway may ever trust it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { identityFromPem, type Ed25519Identity } from '../core/protocol/identity.js';
import type { TrustedTechnician } from './state-schema.js';

export const DEMO_TECHNICIAN_FILE = 'resources/demo/technician.json';

const demoFile = z.object({
  comment: z.string(),
  name: z.string().min(1),
  organisation: z.string(),
  keyId: z.string().regex(/^[0-9a-f]{64}$/),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.number().int(),
  privateKeyPem: z.string(),
});

export interface DemoTechnician {
  readonly name: string;
  readonly organisation: string;
  readonly keyId: string;
  readonly publicKey: string;
  readonly createdAt: number;
  readonly identity: Ed25519Identity;
  /** The entry an emulated gateway puts in trusted-technicians.json. */
  readonly trustEntry: TrustedTechnician;
}

/** Finds the file from the source tree (tsx) or the build output (dist/agent). */
export function demoTechnicianPath(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DEMO_TECHNICIAN_FILE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${DEMO_TECHNICIAN_FILE} above ${from}`);
  }
}

let cached: DemoTechnician | null = null;

export function loadDemoTechnician(): DemoTechnician {
  if (cached) return cached;
  const file = demoTechnicianPath();
  const parsed = demoFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const identity = identityFromPem(parsed.data.privateKeyPem);
  if (identity.id !== parsed.data.keyId) throw new Error(`${file}: keyId does not match the private key`);
  cached = {
    name: parsed.data.name,
    organisation: parsed.data.organisation,
    keyId: parsed.data.keyId,
    publicKey: parsed.data.publicKey,
    createdAt: parsed.data.createdAt,
    identity,
    trustEntry: { publicKey: parsed.data.publicKey, name: parsed.data.name, role: 'technician' },
  };
  return cached;
}
