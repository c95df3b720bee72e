/**
 * How bundle facts read on screen. Pure (no DOM), so the unit tests can run it under Node.
 */
import type {
  BundleCheck,
  BundleHardware,
  BundleKindName,
  BundleSummary,
  BundleTargetCheck,
  TrustKey,
  TrustRole,
} from '../../core/api/schemas.js';

export const KIND_LABELS: Readonly<Record<BundleKindName, string>> = {
  'os-image': 'OS image',
  firmware: 'Firmware',
  model: 'AI model',
};

export const ROLE_LABELS: Readonly<Record<TrustRole, string>> = {
  'image-signer': 'Image signer',
  'model-signer': 'Model signer',
};

/** Sizes with their unit; exact bytes stay available next to them where it matters. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function exactBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes`;
}

export const CHECK_ICONS: Readonly<Record<BundleCheck['status'], string>> = { pass: '✓', fail: '✗', warn: '⚠', skip: '–' };
export const CHECK_WORDS: Readonly<Record<BundleCheck['status'], string>> = {
  pass: 'Passed',
  fail: 'Failed',
  warn: 'Warning',
  skip: 'Not checked',
};

export function hardwareText(hardware: readonly BundleHardware[]): string {
  if (hardware.length === 0) return 'Not stated';
  return hardware
    .map((h) => (h.revisions.length === 0 ? `${h.model} (any revision)` : `${h.model} rev ${h.revisions.join(', ')}`))
    .join('; ');
}

export function signersText(bundle: BundleSummary): string {
  if (bundle.signers.length === 0) return 'No signatures';
  return bundle.signers.map((s) => s.name ?? `unknown key ${s.keyId.slice(0, 12)}…`).join(', ');
}

/** Where the key stands today: revoked wins over expired wins over valid. */
export function keyState(key: TrustKey, now: number): { readonly state: 'valid' | 'expired' | 'revoked'; readonly text: string } {
  if (key.revokedAt !== null)
    return {
      state: 'revoked',
      text: `Revoked ${new Date(key.revokedAt).toLocaleDateString()}${key.revokedReason ? ` — ${key.revokedReason}` : ''}`,
    };
  if (key.expiresAt !== null && key.expiresAt <= now)
    return { state: 'expired', text: `Expired ${new Date(key.expiresAt).toLocaleDateString()}` };
  if (key.expiresAt !== null) return { state: 'valid', text: `Valid until ${new Date(key.expiresAt).toLocaleDateString()}` };
  return { state: 'valid', text: 'Valid, no expiry' };
}

/** ISO 8601 from the manifest as a local date and time; the raw text when it does not parse. */
export function manifestDate(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

export function shapeText(shape: readonly (number | string)[]): string {
  return `[${shape.join(' × ')}]`;
}

export interface GatewayVerdict {
  readonly verdict: 'compatible' | 'warning' | 'incompatible';
  /** "Compatible", "Not compatible: <reason sentence>", "Warning: same version already installed". */
  readonly text: string;
  /** The reason code of a refusal, for support. */
  readonly code: string | null;
  /** Other warnings worth reading (the laptop clock's uncertainty), in the order checked. */
  readonly notes: readonly BundleCheck[];
}

/** What one bundles.check result means for the technician choosing a gateway. */
export function gatewayVerdict(result: BundleTargetCheck): GatewayVerdict {
  const reason = result.bundle.reason;
  const warnings = result.checks.filter((c) => c.status === 'warn');
  const notes = warnings.filter((c) => c.code !== 'same_version');
  if (reason !== null) return { verdict: 'incompatible', text: `Not compatible: ${reason.message}`, code: reason.code, notes };
  if (warnings.some((c) => c.code === 'same_version'))
    return { verdict: 'warning', text: 'Warning: same version already installed', code: null, notes };
  return { verdict: 'compatible', text: 'Compatible', code: null, notes };
}
