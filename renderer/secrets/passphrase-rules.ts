/**
 * What the passphrase screens check before asking the engine (which checks again). Pure, so it
 * is unit-tested under Node.
 */

/** Why the set-up form cannot be sent yet, or null. */
export function setUpProblem(passphrase: string, confirm: string, minLength: number): string | null {
  if ([...passphrase].length < minLength || passphrase.trim() === '')
    return `Use at least ${minLength} characters: a few words you will remember, e.g. "copper kettle under stairs".`;
  if (passphrase !== confirm) return 'The two passphrases differ: type the same one twice.';
  return null;
}

/** "Try again in 4 s" after wrong passphrases; null when a try is accepted now. */
export function retryText(retryAfterMs: number | null): string | null {
  if (retryAfterMs === null || retryAfterMs <= 0) return null;
  return `Too many wrong tries: the next one is accepted in ${Math.ceil(retryAfterMs / 1000)} s.`;
}
