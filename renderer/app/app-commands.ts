/**
 * Menu commands and shortcuts from the desktop shell (`app.command`): switch views, open the
 * bundle import, export the audit log. The page acts through its own controls, so a command does
 * exactly what the same click would.
 */
import type { AppCommandName } from '../../core/api/schemas.js';
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

export function runCommand(command: AppCommandName): void {
  const plan = commandPlan(command);
  // The view lives in the hash (view.ts), like the header's links.
  if (window.location.hash !== `#${plan.view}`) window.location.hash = `#${plan.view}`;
  if (plan.press !== undefined) pressWhenShown(plan.press);
}

export function startAppCommands(): () => void {
  return apiConnection().api.on('app.command', ({ command }) => runCommand(command));
}
