/**
 * Secrets the audit uploader keeps at rest (the receiver's bearer token), sealed as well as the
 * audit key itself: AES-256-GCM under a key derived (HKDF-SHA256) from the audit key. Whoever can
 * read the token can already sign in this laptop's name; whoever copies audit.db alone cannot.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Ed25519Identity } from '../protocol/identity.js';

const PREFIX = 'sealed:v1:';

export interface SecretBox {
  seal(plain: string): string;
  /** The secret; a value stored before sealing existed (no prefix) is returned as it is. */
  open(stored: string): string;
}

export class SecretBoxError extends Error {
  readonly code = 'audit_secret_unreadable';
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function secretBoxFor(key: Ed25519Identity): SecretBox {
  const jwk = key.privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw new Error('the audit key has no private part');
  const aesKey = Buffer.from(hkdfSync('sha256', Buffer.from(jwk.d, 'base64url'), 'fieldline-audit', 'sync-secret v1', 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(stored) {
      if (!isSealed(stored)) return stored;
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', aesKey, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError(
          'the stored sync token cannot be opened with this laptop’s audit key (it was sealed under another key); configure the token again',
        );
      }
    },
  };
}
