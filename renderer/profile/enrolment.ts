/**
 * The command an administrator runs on a gateway to trust a technician. Pure, unit-tested.
 */

/** Quotes a value for a POSIX shell so the command can be pasted as is. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function enrolmentCommand(profile: { readonly publicKey: string; readonly name: string }): string {
  return `fieldline agent --trust ${profile.publicKey} --name ${shellQuote(profile.name)}`;
}
