/**
 * Command-line hosts in a passphrase-sealed folder: the passphrase comes from
 * FIELDLINE_PASSPHRASE (scripts, CI) or, in a terminal, from a prompt (cli/unlock-keys.ts) that
 * registers the session before the command runs. Without either the command is refused with
 * keys_locked and the fix, never given new keys.
 */
import { folderProtection } from './key-files.js';
import { passphraseKeySession, type KeySession } from './key-session.js';
import { keySessionFor, registerKeySession } from './session-registry.js';

export const PASSPHRASE_VARIABLE = 'FIELDLINE_PASSPHRASE';

/**
 * The folder's registered session, or one unlocked now from FIELDLINE_PASSPHRASE when the folder
 * is passphrase-sealed; null when neither applies (the caller then uses the 0600 files).
 * Throws wrong_passphrase (and the like) when the variable does not open the keys.
 */
export function sessionForFolder(dataDir: string, env: NodeJS.ProcessEnv = process.env): KeySession | null {
  const registered = keySessionFor(dataDir);
  if (registered) return registered;
  const passphrase = env[PASSPHRASE_VARIABLE];
  if (passphrase === undefined || passphrase === '' || folderProtection(dataDir) !== 'passphrase') return null;
  const session = passphraseKeySession(dataDir, { reason: `unlocked with ${PASSPHRASE_VARIABLE}` });
  session.unlockSync(passphrase);
  registerKeySession(session);
  return session;
}
