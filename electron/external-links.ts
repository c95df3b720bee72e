/**
 * The only URLs `shell.openExternal` may ever receive: https links the app itself produced.
 *
 * A page that is compromised (or just buggy) can ask to open any URL; opening it would hand an
 * attacker's string to the OS's URL handlers (file:, smb:, custom schemes). So the main process
 * keeps a registry of the exact links it put on screen, and the window-open handler opens a URL
 * only when it is in the registry, byte for byte. This module is the only place allowed to call
 * `shell.openExternal` (scripts/security-scan enforces it).
 */
import type { Shell } from 'electron';
import { parseStrictUrl } from './app-url.js';

export type Registration = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string };

/** Why `url` may not be registered, or null when it may. */
export function externalLinkProblem(url: string): string | null {
  const parsed = parseStrictUrl(url);
  if (parsed === null) return 'not a well-formed URL (or it hides whitespace or control characters)';
  if (parsed.protocol !== 'https:') return `only https links open outside the app, not ${parsed.protocol}`;
  if (parsed.username !== '' || parsed.password !== '') return 'a link with a user name or password is never opened';
  if (parsed.hostname === '' || !parsed.hostname.includes('.')) return `"${parsed.hostname}" is not a public host name`;
  // The registry keys on the parser's form; a link that is not already in it would be opened as
  // something other than what was shown.
  if (parsed.href !== url) return `not in canonical form (it would open as ${parsed.href})`;
  return null;
}

export class ExternalLinks {
  private readonly urls = new Set<string>();

  constructor(initial: Iterable<string> = []) {
    for (const url of initial) this.register(url);
  }

  register(url: string): Registration {
    const problem = externalLinkProblem(url);
    if (problem !== null) return { ok: false, reason: problem };
    this.urls.add(url);
    return { ok: true, url };
  }

  /** The registered URL equal to `url`, or null. Never normalises: `url` must match exactly. */
  lookup(url: string): string | null {
    return typeof url === 'string' && this.urls.has(url) ? url : null;
  }

  get size(): number {
    return this.urls.size;
  }
}

const HTTPS_LINK = /https:\/\/[^\s"'<>()\]]+/g;

/**
 * The https links in the shipped USB catalog's texts (vendor recovery-tool documentation the
 * Devices view shows in a mode's "next step"); trailing sentence punctuation is not part of a link.
 */
export function catalogLinks(catalog: unknown): string[] {
  const found: string[] = [];
  if (typeof catalog !== 'object' || catalog === null || !('entries' in catalog) || !Array.isArray(catalog.entries)) return found;
  for (const entry of catalog.entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const field of ['nextStep', 'meaning'] as const) {
      const text = (entry as Record<string, unknown>)[field];
      if (typeof text !== 'string') continue;
      for (const match of text.matchAll(HTTPS_LINK)) {
        const url = match[0].replace(/[.,;:!?]+$/, '');
        if (externalLinkProblem(url) === null) found.push(url);
      }
    }
  }
  return found;
}

/** Opens a registered link in the system browser; anything else is refused and logged. */
export function openExternalLink(
  shell: Pick<Shell, 'openExternal'>,
  links: ExternalLinks,
  url: string,
  log: (line: string) => void,
): boolean {
  const registered = links.lookup(url);
  if (registered === null) {
    log(`refused to open ${url} outside the app: not a link the app produced`);
    return false;
  }
  shell
    .openExternal(registered)
    .catch((err: unknown) => log(`could not open ${registered}: ${err instanceof Error ? err.message : String(err)}`));
  return true;
}
