/**
 * Words for the engine banner (desktop only): the engine crashed and is restarting, or could not
 * be kept running. Pure, unit-tested. Nothing shows while the engine runs.
 */
import type { EngineStatus } from '../../core/api/schemas.js';

export interface EngineBannerText {
  readonly tone: 'busy' | 'error';
  readonly title: string;
  readonly detail: string;
}

/** The reason as the host wrote it, without a trailing full stop (the sentence adds its own). */
function reasonOf(status: EngineStatus): string {
  return (status.reason ?? 'no reason was given').replace(/[.\s]+$/, '');
}

export function engineBanner(status: EngineStatus | null): EngineBannerText | null {
  if (status === null) return null;
  switch (status.state) {
    case 'running':
      return null;
    case 'restarting':
      return {
        tone: 'busy',
        title: `The engine stopped: ${reasonOf(status)}. Restarting… your flash jobs will resume.`,
        detail: 'Gateways keep the bytes they received, so transfers continue where they were. Nothing needs doing here.',
      };
    case 'failed':
      return {
        tone: 'error',
        title: `The engine could not be kept running: ${reasonOf(status)}.`,
        detail:
          'Restart Fieldline. Interrupted flash jobs are kept and can be resumed from the Flash view. If this keeps happening, start Fieldline from a terminal and send the log to support.',
      };
  }
}
