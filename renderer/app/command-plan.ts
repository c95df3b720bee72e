/**
 * What each menu command does in the page: the view to show and the control to press there.
 * Pure, unit-tested (app-commands.ts carries it out).
 */
import type { AppCommandName } from '../../core/api/schemas.js';
import type { View } from './views.js';

export interface CommandPlan {
  readonly view: View;
  /** The control to press once the view shows (its data-testid), if any. */
  readonly press?: string;
}

export function commandPlan(command: AppCommandName): CommandPlan {
  switch (command) {
    case 'view.devices':
      return { view: 'devices' };
    case 'view.bundles':
      return { view: 'bundles' };
    case 'view.flash':
      return { view: 'flash' };
    case 'view.bench':
      return { view: 'bench' };
    case 'view.audit':
      return { view: 'audit' };
    case 'bundles.import':
      return { view: 'bundles', press: 'bundle-import' };
    case 'audit.export':
      return { view: 'audit', press: 'audit-export' };
  }
}
