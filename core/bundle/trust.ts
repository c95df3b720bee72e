/**
 * Which signatures count: trusted keys with roles, expiry and revocation, and k-of-n thresholds
 * per bundle kind. Pure: the same envelope, policy and time always give the same verdict.
 *
 * A signature that does not count (unknown, revoked, expired or wrong-role key) is only a warning
 * when enough other signatures meet the threshold, since an envelope may carry signatures meant for
 * other organisations; it is a failure when the threshold is missed, because then it is the
 * reason. A trusted key whose signature does not verify is always a failure: the manifest or the
 * signature was altered.
 */
import { fromHex } from '../protocol/identity.js';
import { verifySignature, type DsseEnvelope } from './dsse.js';
import type { BundleKind } from './manifest.js';
import { fail, pass, warn, type BundleReason, type Check } from './reasons.js';

export const TRUST_ROLES = ['image-signer', 'model-signer'] as const;
export type TrustRole = (typeof TRUST_ROLES)[number];

export const ROLE_FOR_KIND: Readonly<Record<BundleKind, TrustRole>> = {
  'os-image': 'image-signer',
  firmware: 'image-signer',
  model: 'model-signer',
};

export interface TrustedKey {
  /** Lowercase hex SHA-256 of the raw 32-byte Ed25519 public key. */
  readonly keyId: string;
  /** Lowercase hex of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  readonly name: string;
  readonly roles: readonly TrustRole[];
  readonly source: 'demo-root' | 'imported';
  readonly addedAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly revokedReason: string | null;
}

export interface TrustPolicy {
  readonly keys: readonly TrustedKey[];
  readonly thresholds: Readonly<Record<BundleKind, number>>;
}

export type SignerStatus = 'valid' | 'invalid' | 'unknown' | 'revoked' | 'expired' | 'wrong-role' | 'duplicate';

export interface SignerResult {
  readonly keyId: string;
  /** The trusted key's name, or null when the key is not in the trust store. */
  readonly name: string | null;
  readonly status: SignerStatus;
  /** Whether this signature counts towards the threshold. */
  readonly counted: boolean;
  readonly message: string;
}

export interface SignatureEvaluation {
  readonly checks: readonly Check[];
  readonly signers: readonly SignerResult[];
  readonly valid: number;
  readonly required: number;
}

export function evaluateSignatures(envelope: DsseEnvelope, policy: TrustPolicy, kind: BundleKind, now: number): SignatureEvaluation {
  const role = ROLE_FOR_KIND[kind];
  const required = Math.max(1, policy.thresholds[kind] ?? 1);
  const byId = new Map(policy.keys.map((k) => [k.keyId, k]));
  const seen = new Set<string>();
  const signers: SignerResult[] = [];
  const problems: { code: BundleReason; message: string; keyId: string; always: boolean }[] = [];

  for (const signature of envelope.signatures) {
    const keyId = signature.keyid;
    const short = `${keyId.slice(0, 16)}…`;
    const key = byId.get(keyId);
    const label = key ? `"${key.name}" (${short})` : short;
    const add = (status: SignerStatus, message: string, code?: BundleReason, always = false): void => {
      signers.push({ keyId, name: key?.name ?? null, status, counted: status === 'valid', message });
      if (code) problems.push({ code, message, keyId, always });
    };
    if (seen.has(keyId)) {
      add('duplicate', `${label} signed twice; a key counts once towards the threshold`);
      continue;
    }
    seen.add(keyId);
    if (!key) {
      add(
        'unknown',
        `the signature by key ${short} cannot be checked: that key is not in your trust store. If you trust its owner, import their public key (Bundles → Trust store, or \`fieldline bundle trust import\`)`,
        'key_unknown',
      );
      continue;
    }
    if (!verifySignature(envelope, signature, fromHex(key.publicKey))) {
      add(
        'invalid',
        `the signature by ${label} does not match the manifest: the manifest or its signature was altered. Do not install this bundle; get a fresh copy`,
        'signature_invalid',
        true,
      );
      continue;
    }
    if (key.revokedAt !== null && key.revokedAt <= now) {
      add(
        'revoked',
        `${label} was revoked on ${isoDay(key.revokedAt)}${key.revokedReason ? ` (${key.revokedReason})` : ''}, so its signature no longer counts. Ask for the bundle to be re-signed with a current key`,
        'key_revoked',
      );
      continue;
    }
    if (key.expiresAt !== null && key.expiresAt <= now) {
      add(
        'expired',
        `${label} expired on ${isoDay(key.expiresAt)}, so its signature no longer counts. Ask for the bundle to be re-signed with a current key, or check the laptop's clock`,
        'key_expired',
      );
      continue;
    }
    if (!key.roles.includes(role)) {
      add(
        'wrong-role',
        `${label} is trusted as ${key.roles.join(' and ') || 'no role'}, not as ${role}, so it cannot approve ${kind} bundles`,
        'key_role',
      );
      continue;
    }
    add('valid', `valid signature by ${label}, a trusted ${role}`);
  }

  const valid = signers.filter((s) => s.counted).length;
  const met = valid >= required;
  const checks: Check[] = [];
  for (const s of signers) {
    const problem = problems.find((p) => p.keyId === s.keyId && s.status !== 'duplicate' && s.status !== 'valid');
    if (s.status === 'valid') checks.push(pass('signature', s.message, s.keyId));
    else if (problem)
      checks.push(
        problem.always || !met
          ? fail('signature', problem.code, problem.message, s.keyId)
          : warn('signature', problem.code, problem.message, s.keyId),
      );
  }
  if (met) {
    checks.push(pass('threshold', `${valid} valid ${role} signature${valid === 1 ? '' : 's'}; ${required} required for ${kind} bundles`));
  } else {
    const none = envelope.signatures.length === 0 ? 'the bundle is not signed. ' : '';
    checks.push(
      fail(
        'threshold',
        'threshold_not_met',
        `${none}${valid} of ${required} required ${role} signature${required === 1 ? '' : 's'} for ${kind} bundles ${valid === 1 ? 'is' : 'are'} valid. ${required - valid} more trusted holder${required - valid === 1 ? '' : 's'} must sign it (\`fieldline bundle sign\`)`,
      ),
    );
  }
  return { checks, signers, valid, required };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
