/**
 * Menu commands and shortcuts from the desktop shell (`app.command`): switch views, open the
 * bundle import, export the audit log. The page acts through its own controls, so a command does
 * exactly what the same click would.
 */
import type { AppCommand } from '../../core/api/schemas.js';
import { importPaths } from '../bundles/bundles-service.js';
import { apiConnection } from '../services/api-client.js';
import { commandPlan } from './command-plan.js';

/** Frames to wait for a view's control to render after switching to it. */
const PRESS_FRAMES = 30;

function pressWhenShown(testId: string, frames = PRESS_FRAMES): void {
  const control = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (control !== null) {
    control.focus();
    control.click();
    return;
  }
  if (frames > 0) requestAnimationFrame(() => pressWhenShown(testId, frames - 1));
}

export function runCommand({ command, paths }: AppCommand): void {
  const plan = commandPlan(command);
  // The view lives in the hash (view.ts), like the header's links.
  if (window.location.hash !== `#${plan.view}`) window.location.hash = `#${plan.view}`;
  // Files the shell's own dialog chose are imported where they are; otherwise press the view's control.
  if (command === 'bundles.import' && paths !== undefined) void importPaths(paths);
  else if (plan.press !== undefined) pressWhenShown(plan.press);
}

export function startAppCommands(): () => void {
  return apiConnection().api.on('app.command', runCommand);
}
