/**
 * Words for the state of the link between this page and the engine. Pure, unit-tested.
 */
import type { LinkStatus } from '../services/link-status.js';

export interface LinkText {
  readonly label: string;
  readonly tone: 'ok' | 'busy' | 'warn';
  readonly detail?: string;
}

/** After this many failed attempts the wording changes from "reconnecting" to what to check. */
export const LINK_FAILURES_BEFORE_ADVICE = 3;

export function linkText(link: LinkStatus, host: 'electron' | 'web'): LinkText {
  switch (link.state) {
    case 'open':
      return { label: 'Engine connected', tone: 'ok' };
    case 'connecting':
      return { label: 'Connecting to the engine…', tone: 'busy' };
    case 'reconnecting':
      if (link.failures < LINK_FAILURES_BEFORE_ADVICE) return { label: 'Reconnecting to the engine…', tone: 'busy' };
      return {
        label: 'Engine not reachable',
        tone: 'warn',
        detail:
          host === 'web'
            ? 'Check that `fieldline serve` is still running. If it was restarted, open the new link it printed: the access token changes on every start.'
            : 'Restart Fieldline. If this keeps happening, note the time for support.',
      };
  }
}
