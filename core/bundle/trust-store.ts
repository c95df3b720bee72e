/**
 * The trust store: signing keys with roles, expiry and revocation, and per-kind thresholds, kept
 * in the engine's SQLite file (tables trust_keys / trust_thresholds, migration 2).
 *
 * An empty store is seeded with the demo roots from resources/demo/trust-roots.json so the demo
 * works out of the box; they are marked source 'demo-root' so the UI can flag them — their private
 * keys are public. Every change goes through `onChange`, the hook the audit log attaches to.
 */
import demoRootsJson from '../../resources/demo/trust-roots.json' with { type: 'json' };
import { fingerprint, fromHex } from '../protocol/identity.js';
import type { Db } from '../store/database.js';
import { BUNDLE_KINDS, type BundleKind } from './manifest.js';
import { TRUST_ROLES, type TrustedKey, type TrustPolicy, type TrustRole } from './trust.js';

export type TrustChange =
  | { readonly type: 'key-added'; readonly key: TrustedKey }
  | { readonly type: 'key-removed'; readonly key: TrustedKey }
  | { readonly type: 'key-revoked'; readonly key: TrustedKey }
  | { readonly type: 'threshold-set'; readonly kind: BundleKind; readonly threshold: number; readonly previous: number }
  | { readonly type: 'seeded'; readonly keys: readonly TrustedKey[] };

export interface NewTrustedKey {
  /** Hex of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  readonly name: string;
  readonly roles: readonly TrustRole[];
  readonly expiresAt?: number | null;
  readonly source?: TrustedKey['source'];
}

export type TrustStoreErrorCode = 'key_invalid' | 'key_exists' | 'key_unknown' | 'threshold_invalid';

export class TrustStoreError extends Error {
  constructor(
    readonly code: TrustStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TrustStoreError';
  }
}

export interface DemoRoots {
  readonly keys: readonly { keyId: string; publicKey: string; name: string; roles: readonly string[]; expiresAt: number | null }[];
  readonly thresholds: Readonly<Record<string, number>>;
}

export const DEMO_ROOTS: DemoRoots = demoRootsJson;

export interface TrustStoreOptions {
  /** Seed these roots into an empty store (default: the demo roots); null seeds nothing. */
  readonly seed?: DemoRoots | null;
  readonly now?: () => number;
}

interface KeyRow {
  key_id: string;
  public_key: string;
  name: string;
  roles: string;
  source: string;
  added_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export const DEFAULT_THRESHOLD = 1;

export class TrustStore {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly onChange?: (change: TrustChange) => void,
    options: TrustStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    const seed = options.seed === undefined ? DEMO_ROOTS : options.seed;
    if (seed) this.seedIfEmpty(seed);
  }

  list(): TrustedKey[] {
    return (this.db.prepare('SELECT * FROM trust_keys ORDER BY added_at, name').all() as KeyRow[]).map(rowToKey);
  }

  get(keyId: string): TrustedKey | null {
    const row = this.db.prepare('SELECT * FROM trust_keys WHERE key_id = ?').get(keyId) as KeyRow | undefined;
    return row ? rowToKey(row) : null;
  }

  add(input: NewTrustedKey): TrustedKey {
    const key = this.validate(input);
    if (this.get(key.keyId))
      throw new TrustStoreError('key_exists', `the key ${key.keyId.slice(0, 16)}… is already trusted; remove it first to change its roles`);
    this.insert(key);
    this.onChange?.({ type: 'key-added', key });
    return key;
  }

  remove(keyId: string): TrustedKey {
    const key = this.require(keyId);
    this.db.prepare('DELETE FROM trust_keys WHERE key_id = ?').run(keyId);
    this.onChange?.({ type: 'key-removed', key });
    return key;
  }

  revoke(keyId: string, reason: string, at: number = this.now()): TrustedKey {
    const existing = this.require(keyId);
    const revokedReason = reason.trim() || 'no reason given';
    this.db.prepare('UPDATE trust_keys SET revoked_at = ?, revoked_reason = ? WHERE key_id = ?').run(at, revokedReason, keyId);
    const key: TrustedKey = { ...existing, revokedAt: at, revokedReason };
    this.onChange?.({ type: 'key-revoked', key });
    return key;
  }

  thresholds(): Record<BundleKind, number> {
    const rows = this.db.prepare('SELECT kind, threshold FROM trust_thresholds').all() as { kind: string; threshold: number }[];
    const out = { 'os-image': DEFAULT_THRESHOLD, firmware: DEFAULT_THRESHOLD, model: DEFAULT_THRESHOLD } as Record<BundleKind, number>;
    for (const r of rows) if ((BUNDLE_KINDS as readonly string[]).includes(r.kind)) out[r.kind as BundleKind] = r.threshold;
    return out;
  }

  setThreshold(kind: BundleKind, threshold: number): void {
    if (!(BUNDLE_KINDS as readonly string[]).includes(kind))
      throw new TrustStoreError('threshold_invalid', `"${String(kind)}" is not a bundle kind (os-image, firmware, model)`);
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > 64)
      throw new TrustStoreError('threshold_invalid', `a threshold is a whole number of signatures from 1 to 64, not ${threshold}`);
    const previous = this.thresholds()[kind];
    this.db
      .prepare(
        'INSERT INTO trust_thresholds (kind, threshold) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET threshold = excluded.threshold',
      )
      .run(kind, threshold);
    this.onChange?.({ type: 'threshold-set', kind, threshold, previous });
  }

  policy(): TrustPolicy {
    return { keys: this.list(), thresholds: this.thresholds() };
  }

  private require(keyId: string): TrustedKey {
    const key = this.get(keyId);
    if (!key) throw new TrustStoreError('key_unknown', `there is no key ${keyId.slice(0, 16)}… in the trust store`);
    return key;
  }

  private validate(input: NewTrustedKey): TrustedKey {
    const hex = input.publicKey.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex))
      throw new TrustStoreError(
        'key_invalid',
        'a public key is the 32-byte raw Ed25519 key written as 64 hex characters (the "publicKey" of a .pub.json from `fieldline bundle keygen`)',
      );
    const name = input.name.trim();
    if (!name || name.length > 200)
      throw new TrustStoreError('key_invalid', 'give the key a name of 1 to 200 characters (whose key it is)');
    const roles = [...new Set(input.roles)];
    if (!roles.length || roles.some((r) => !(TRUST_ROLES as readonly string[]).includes(r)))
      throw new TrustStoreError('key_invalid', `a key needs at least one role: ${TRUST_ROLES.join(' or ')}`);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && !Number.isSafeInteger(expiresAt))
      throw new TrustStoreError('key_invalid', 'the expiry must be a time in milliseconds since 1970');
    return {
      keyId: fingerprint(fromHex(hex)),
      publicKey: hex,
      name,
      roles,
      source: input.source ?? 'imported',
      addedAt: this.now(),
      expiresAt,
      revokedAt: null,
      revokedReason: null,
    };
  }

  private insert(key: TrustedKey): void {
    this.db
      .prepare(
        `INSERT INTO trust_keys (key_id, public_key, name, roles, source, added_at, expires_at, revoked_at, revoked_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        key.keyId,
        key.publicKey,
        key.name,
        JSON.stringify(key.roles),
        key.source,
        key.addedAt,
        key.expiresAt,
        key.revokedAt,
        key.revokedReason,
      );
  }

  private seedIfEmpty(seed: DemoRoots): void {
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM trust_keys').get() as { n: number }).n;
    const thresholdCount = (this.db.prepare('SELECT COUNT(*) AS n FROM trust_thresholds').get() as { n: number }).n;
    if (count > 0 || thresholdCount > 0) return;
    const keys = seed.keys.map((k) =>
      this.validate({ publicKey: k.publicKey, name: k.name, roles: k.roles as TrustRole[], expiresAt: k.expiresAt, source: 'demo-root' }),
    );
    this.db.transaction(() => {
      for (const key of keys) this.insert(key);
      for (const kind of BUNDLE_KINDS)
        this.db
          .prepare('INSERT INTO trust_thresholds (kind, threshold) VALUES (?, ?)')
          .run(kind, seed.thresholds[kind] ?? DEFAULT_THRESHOLD);
    })();
    this.onChange?.({ type: 'seeded', keys });
  }
}

function rowToKey(row: KeyRow): TrustedKey {
  let roles: TrustRole[] = [];
  try {
    const parsed: unknown = JSON.parse(row.roles);
    if (Array.isArray(parsed)) roles = parsed.filter((r): r is TrustRole => (TRUST_ROLES as readonly unknown[]).includes(r));
  } catch {
    roles = [];
  }
  return {
    keyId: row.key_id,
    publicKey: row.public_key,
    name: row.name,
    roles,
    source: row.source === 'demo-root' ? 'demo-root' : 'imported',
    addedAt: row.added_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
  };
}
