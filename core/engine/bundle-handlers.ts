/**
 * The API handlers for the bundle library and the trust store.
 *
 * Kept apart from engine.ts so the engine stays a composition of capabilities; every trust change
 * verifies the library again (the store's change hook calls back into the engine for that).
 */
import { ApiError } from '../api/contract.js';
import type { Handlers } from '../api/dispatch.js';
import type { DeviceDescriptor, TrustKey, TrustList } from '../api/schemas.js';
import { TrustStoreError, type TrustStore, type TrustedKey } from '../bundle/index.js';
import type { BundleLibrary } from './bundle-library.js';
import { targetOf } from './bundle-target.js';

type BundleMethods =
  | 'bundles.list'
  | 'bundles.import'
  | 'bundles.get'
  | 'bundles.check'
  | 'bundles.remove'
  | 'trust.list'
  | 'trust.import'
  | 'trust.remove'
  | 'trust.revoke';

/** How the bundle handlers learn about a gateway without knowing about sessions. */
export interface GatewayDescriptors {
  /** The gateway's descriptor, opening a session first when none has been read yet. */
  descriptor(deviceId: string): Promise<DeviceDescriptor>;
}

function keyOf(key: TrustedKey): TrustKey {
  return {
    keyId: key.keyId,
    publicKey: key.publicKey,
    name: key.name,
    roles: [...key.roles],
    source: key.source,
    addedAt: key.addedAt,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    revokedReason: key.revokedReason,
  };
}

const FIXES: Readonly<Record<TrustStoreError['code'], string>> = {
  key_invalid: 'Paste the raw Ed25519 public key as 64 hex digits, as `fieldline bundle keygen` prints it.',
  key_exists: 'The key is already in the trust store; remove it first to change its name, roles or expiry.',
  key_unknown: 'Refresh the trust store list; the key may have been removed.',
  threshold_invalid: 'A threshold is a whole number of signatures from 1 to 64.',
};

/** Trust store refusals cross the API with a sentence and what to do about it. */
function apiErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof TrustStoreError) throw new ApiError(err.code, err.message, FIXES[err.code]);
    throw err;
  }
}

export function bundleHandlers(library: BundleLibrary, trust: TrustStore, gateways: GatewayDescriptors): Pick<Handlers, BundleMethods> {
  return {
    'bundles.list': async () => library.list(),
    'bundles.import': async ({ path, fileName }) => library.import(path, fileName === undefined ? {} : { fileName }),
    'bundles.get': async ({ id }) => library.get(id),
    'bundles.check': async ({ id, deviceId }) => {
      library.get(id); // an unknown bundle is refused before any session is opened
      const descriptor = await gateways.descriptor(deviceId);
      return library.check(id, deviceId, (kind) => targetOf(descriptor, kind));
    },
    'bundles.remove': async ({ id }) => {
      await library.remove(id);
      return { id };
    },
    'trust.list': async (): Promise<TrustList> => {
      const policy = trust.policy();
      return { keys: policy.keys.map(keyOf), thresholds: { ...policy.thresholds } };
    },
    'trust.import': async ({ publicKey, name, roles, expiresAt }) =>
      keyOf(
        apiErrors(() => trust.add({ publicKey: publicKey.toLowerCase(), name, roles, expiresAt: expiresAt ?? null, source: 'imported' })),
      ),
    'trust.remove': async ({ keyId }) => {
      apiErrors(() => trust.remove(keyId));
      return { keyId };
    },
    'trust.revoke': async ({ keyId, reason }) => keyOf(apiErrors(() => trust.revoke(keyId, reason))),
  };
}
