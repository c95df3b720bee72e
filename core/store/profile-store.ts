/**
 * The technician profile and its Ed25519 key.
 *
 * The private key lives in its own file readable only by the user (0600), not in SQLite, so
 * that exporting or syncing the database never carries the key with it.
 */
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Profile } from '../api/schemas.js';
import { generateIdentity, identityFromPem, identityToPem, toHex, type Ed25519Identity } from '../protocol/identity.js';
import type { Db } from './database.js';

const KEY_FILE = 'technician-key.pem';

interface ProfileRow {
  name: string;
  organisation: string;
  key_id: string;
  public_key: string;
  created_at: number;
}

export class ProfileStore {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  get(): Profile | null {
    const row = this.db.prepare('SELECT name, organisation, key_id, public_key, created_at FROM profile WHERE singleton = 1').get() as
      ProfileRow | undefined;
    return row
      ? { name: row.name, organisation: row.organisation, keyId: row.key_id, publicKey: row.public_key, createdAt: row.created_at }
      : null;
  }

  /** Creates the profile with a new key, or with `identity` (importing an existing key). */
  create(name: string, organisation: string, identity: Ed25519Identity = generateIdentity()): Profile {
    const profile: Profile = { name, organisation, keyId: identity.id, publicKey: toHex(identity.publicKey), createdAt: Date.now() };
    const keyPath = join(this.dataDir, KEY_FILE);
    // Write the key first, atomically: a crash leaves either no profile or a profile with its key.
    writeFileSync(`${keyPath}.tmp`, identityToPem(identity), { mode: 0o600 });
    renameSync(`${keyPath}.tmp`, keyPath);
    this.db
      .prepare('INSERT OR REPLACE INTO profile (singleton, name, organisation, key_id, public_key, created_at) VALUES (1, ?, ?, ?, ?, ?)')
      .run(profile.name, profile.organisation, profile.keyId, profile.publicKey, profile.createdAt);
    return profile;
  }

  identity(): Ed25519Identity | null {
    const profile = this.get();
    const keyPath = join(this.dataDir, KEY_FILE);
    if (!profile || !existsSync(keyPath)) return null;
    const identity = identityFromPem(readFileSync(keyPath, 'utf8'));
    if (identity.id !== profile.keyId)
      throw new Error(`${keyPath} does not hold the key of the technician profile (${profile.keyId.slice(0, 12)}…)`);
    return identity;
  }
}
