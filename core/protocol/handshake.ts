/**
 * The `hello` and `auth.*` exchanges: wire shapes and the exact bytes each side signs.
 *
 * hello:  the client sends a fresh nonce; the device answers its descriptor and an Ed25519
 *         signature over HELLO_CONTEXT ‖ nonce ‖ binding with its device key. This proves the
 *         device holds the key its id is derived from, on every transport, TLS or not.
 * auth:   the device sends a nonce; the technician signs AUTH_CONTEXT ‖ device-id(32 bytes) ‖
 *         nonce ‖ binding. `binding` is the TLS exporter value on TLS (so a signature cannot be
 *         relayed into another session) and empty on serial.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION];
export const HELLO_CONTEXT = new TextEncoder().encode('FGP1-hello\0');
export const AUTH_CONTEXT = new TextEncoder().encode('FGP1-auth\0');
export const TLS_EXPORTER_LABEL = 'EXPORTER-fieldline-fgp1';
export const TLS_EXPORTER_LENGTH = 32;
export const NONCE_BYTES = 32;

const bytes = (length?: number) =>
  z.instanceof(Uint8Array).refine((b) => length === undefined || b.length === length, { message: `expected ${length} bytes` });

const wireUint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const helloParams = z.object({
  versions: z.array(z.number().int().positive()).min(1).max(16),
  nonce: bytes(NONCE_BYTES),
  maxFrame: z.number().int().min(256),
  client: z.string().max(128).optional(),
});
export type HelloParams = z.infer<typeof helloParams>;

export const wireDescriptor = z.object({
  protocol: z.number().int(),
  id: z.string().regex(/^[0-9a-f]{64}$/),
  publicKey: bytes(32),
  name: z.string().max(255),
  vendor: z.string().max(255),
  model: z.string().max(255),
  hardwareRevision: z.string().max(64),
  serial: z.string().max(128),
  firmware: z.object({ version: z.string().max(64), activeSlot: z.enum(['a', 'b']) }),
  slots: z
    .array(z.object({ name: z.enum(['a', 'b']), version: z.string(), state: z.enum(['active', 'inactive', 'trial', 'empty']) }))
    .max(2),
  models: z.array(z.object({ name: z.string(), version: z.string(), sha256: bytes(32) })).max(1024),
  accelerators: z.array(z.object({ kind: z.string(), name: z.string() })).max(64),
  capabilities: z.array(z.string()).max(256),
  maxFrame: z.number().int().min(256),
  /**
   * Per bundle kind, the highest security counter the gateway has installed (absent: never
   * installed). Optional so that older agents stay valid; the laptop reads absent as 0.
   */
  securityCounters: z.object({ 'os-image': wireUint.optional(), firmware: wireUint.optional(), model: wireUint.optional() }).optional(),
  /** The gateway's trusted-time floor (ms since the epoch); absent before its first confirmed install. */
  trustedTime: wireUint.optional(),
});
export type WireDescriptor = z.infer<typeof wireDescriptor>;

export const helloResult = wireDescriptor.extend({ proof: bytes(64) });
export type HelloResult = z.infer<typeof helloResult>;

export const authChallengeParams = z.object({ publicKey: bytes(32) });
export const authChallengeResult = z.object({ nonce: bytes(NONCE_BYTES) });
export const authRespondParams = z.object({ signature: bytes(64) });
export const authRespondResult = z.object({ technician: z.string(), role: z.string() });

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function helloProofMessage(nonce: Uint8Array, binding: Uint8Array): Uint8Array {
  return concat(HELLO_CONTEXT, nonce, binding);
}

export function authMessage(deviceIdHex: string, nonce: Uint8Array, binding: Uint8Array): Uint8Array {
  return concat(AUTH_CONTEXT, new Uint8Array(Buffer.from(deviceIdHex, 'hex')), nonce, binding);
}

/** Picks the highest version both ends speak, or null. */
export function negotiateVersion(offered: readonly number[]): number | null {
  const common = offered.filter((v) => SUPPORTED_VERSIONS.includes(v));
  return common.length ? Math.max(...common) : null;
}
