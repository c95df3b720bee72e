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

/** Why the change form cannot be sent yet, or null. The new passphrase follows the set-up rules. */
export function changeProblem(current: string, next: string, confirm: string, minLength: number): string | null {
  if (current === '') return 'Type your current passphrase: the one you unlock Fieldline with.';
  const found = setUpProblem(next, confirm, minLength);
  if (found !== null) return found;
  if (next === current) return 'The new passphrase is the same as the current one: choose a different one.';
  return null;
}

/** The heading over an engine refusal of a change, by its reason code. */
export function changeErrorTitle(code: string): string {
  switch (code) {
    case 'wrong_passphrase':
      return 'Wrong current passphrase';
    case 'too_many_attempts':
      return 'Too many wrong tries';
    case 'weak_passphrase':
      return 'The new passphrase is too short';
    default:
      return 'Your passphrase was not changed';
  }
}

/** The wait left at `now`, from a status that said `retryAfterMs` at `answeredAt`. */
export function retryTextAt(retryAfterMs: number | null, answeredAt: number, now: number): string | null {
  return retryAfterMs === null ? null : retryText(answeredAt + retryAfterMs - now);
}
