/**
 * The technician profile and its Ed25519 key.
 *
 * The private key lives in its own file readable only by the user (0600), not in SQLite, so
 * that exporting or syncing the database never carries the key with it. How that file is
 * protected (0600 PEM, OS keychain, passphrase) is the key slot's business (core/secrets).
 */
import type { Profile } from '../api/schemas.js';
import { toHex, type Ed25519Identity } from '../protocol/identity.js';
import { clearTechnicianSlot, type TechnicianKeySlot } from '../secrets/key-session.js';
import { sessionForFolder } from '../secrets/environment-unlock.js';
import type { Db } from './database.js';

/** The folder's key session's technician slot, or the 0600 PEM file when no session protects it. */
export function technicianKeySlot(dataDir: string): TechnicianKeySlot {
  return sessionForFolder(dataDir)?.technician ?? clearTechnicianSlot(dataDir);
}

interface ProfileRow {
  name: string;
  organisation: string;
  key_id: string;
  public_key: string;
  created_at: number;
}

export class ProfileStore {
  private readonly slot: TechnicianKeySlot;

  constructor(
    private readonly db: Db,
    dataDir: string,
    slot?: TechnicianKeySlot,
  ) {
    this.slot = slot ?? technicianKeySlot(dataDir);
  }

  get(): Profile | null {
    const row = this.db.prepare('SELECT name, organisation, key_id, public_key, created_at FROM profile WHERE singleton = 1').get() as
      ProfileRow | undefined;
    return row
      ? { name: row.name, organisation: row.organisation, keyId: row.key_id, publicKey: row.public_key, createdAt: row.created_at }
      : null;
  }

  /** Creates the profile with a new key, or with `identity` (importing an existing key). */
  create(name: string, organisation: string, identity: Ed25519Identity = this.slot.newIdentity()): Profile {
    const profile: Profile = { name, organisation, keyId: identity.id, publicKey: toHex(identity.publicKey), createdAt: Date.now() };
    // Write the key first, atomically: a crash leaves either no profile or a profile with its key.
    this.slot.write(identity);
    this.db
      .prepare('INSERT OR REPLACE INTO profile (singleton, name, organisation, key_id, public_key, created_at) VALUES (1, ?, ?, ?, ?, ?)')
      .run(profile.name, profile.organisation, profile.keyId, profile.publicKey, profile.createdAt);
    return profile;
  }

  identity(): Ed25519Identity | null {
    const profile = this.get();
    if (!profile) return null;
    const identity = this.slot.read();
    if (!identity) return null;
    if (identity.id !== profile.keyId)
      throw new Error(`${this.slot.path} does not hold the key of the technician profile (${profile.keyId.slice(0, 12)}…)`);
    return identity;
  }
}
