/**
 * How the keys are protected, in the words the Keys settings show: a label, the engine's plain
 * reason, and what it means for the technician. Pure, so it is unit-tested under Node.
 */
import type { KeyStatus } from '../../core/api/schemas.js';

export interface ProtectionText {
  readonly mode: KeyStatus['mode'];
  readonly label: string;
  /** Why this protection (e.g. no system keyring); null when the engine had nothing to explain. */
  readonly reason: string | null;
  readonly detail: string;
  /** What the technician can do about it; `code` spans are in backticks. */
  readonly advice: string | null;
  /** Whether the passphrase can be changed from here. */
  readonly canChange: boolean;
}

const FILE_DETAIL =
  'Your technician key and the audit key are plain files on this laptop that only your user account can read. Anyone who can log in as you, or who takes the disk, can sign with them.';
const FILE_ADVICE =
  'To seal them, start the engine with `fieldline serve --passphrase` and choose a passphrase, or use the Fieldline desktop app on a system with a keyring (e.g. GNOME Keyring or KWallet), which seals them with your login.';

/** `status` null: the engine has no secrets API, so its keys are files. */
export function protectionText(status: KeyStatus | null): ProtectionText {
  if (status === null || status.mode === 'file')
    return {
      mode: 'file',
      label: 'Files readable only by your user account',
      reason: status?.reason ?? null,
      detail: FILE_DETAIL,
      advice: FILE_ADVICE,
      canChange: false,
    };
  if (status.mode === 'keychain')
    return {
      mode: 'keychain',
      label: 'Sealed with the system keychain',
      reason: status.reason,
      detail: status.message,
      advice: 'They open when you log in to this user account: there is no passphrase to remember or change.',
      canChange: false,
    };
  return {
    mode: 'passphrase',
    label: 'Sealed with your passphrase',
    reason: status.reason,
    detail: status.message,
    advice: status.setUp ? null : 'No passphrase has been chosen yet: Fieldline asks for one before it opens your keys.',
    canChange: status.setUp && !status.locked,
  };
}

/** Splits text on backticks: odd parts are code (commands to type). */
export function codeSpans(text: string): readonly { readonly text: string; readonly code: boolean }[] {
  return text
    .split('`')
    .map((part, i) => ({ text: part, code: i % 2 === 1 }))
    .filter((part) => part.text !== '');
}
