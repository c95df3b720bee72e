/**
 * What quitting does while jobs run: quit at once when nothing runs, otherwise ask the
 * technician (wait for the jobs, quit anyway, or stay). Pure, so the wording and the choices are
 * tested without Electron; quit-guard.ts shows the dialog and acts on the answer.
 */
import type { Activity } from './engine-control.js';

export const QUIT_BUTTONS = ['Wait for them to finish', 'Quit anyway', 'Cancel'] as const;
export type QuitChoice = 'wait' | 'quit' | 'cancel';

export interface QuitPrompt {
  readonly message: string;
  readonly detail: string;
  readonly buttons: readonly string[];
  readonly defaultId: number;
  /** Escape and closing the dialog mean Cancel. */
  readonly cancelId: number;
}

export type QuitDecision = { readonly kind: 'quit'; readonly why: string } | { readonly kind: 'ask'; readonly prompt: QuitPrompt };

const MAX_NAMES = 5;

function names(list: readonly string[]): string {
  const unique = [...new Set(list)];
  if (unique.length <= MAX_NAMES) return unique.length > 1 ? `${unique.slice(0, -1).join(', ')} and ${unique.at(-1)}` : (unique[0] ?? '');
  return `${unique.slice(0, MAX_NAMES).join(', ')} and ${unique.length - MAX_NAMES} more`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `activity` null: the engine is down or did not answer in time, so there is nothing to wait for. */
export function quitDecision(activity: Activity | null): QuitDecision {
  if (activity === null) return { kind: 'quit', why: 'the engine is not running or did not answer' };
  const flash = activity.flash;
  const bench = activity.bench;
  if (flash.length === 0 && bench.length === 0) return { kind: 'quit', why: 'nothing is running' };
  const lines: string[] = [];
  if (flash.length > 0) {
    const gateways = flash.flatMap((j) => j.gateways);
    const on = gateways.length > 0 ? ` on ${gateways.length === 1 ? 'gateway' : 'gateways'} ${names(gateways)}` : '';
    lines.push(`${plural(flash.length, 'flash job is', 'flash jobs are')} running${on}.`);
  }
  if (bench.length > 0) {
    const on = names(bench.map((b) => b.deviceName));
    lines.push(`${bench.length === 1 ? 'A benchmark is' : `${bench.length} benchmarks are`} running on ${on}.`);
  }
  const consequence =
    flash.length > 0
      ? 'Quitting now interrupts them; they can be resumed next time (the gateways keep what they received).'
      : 'Quitting now stops it; the partial results are kept.';
  return {
    kind: 'ask',
    prompt: {
      message: lines.join(' '),
      detail: consequence,
      buttons: [...QUIT_BUTTONS],
      defaultId: 0,
      cancelId: 2,
    },
  };
}

/** The dialog's answer (the index of the button pressed) as a choice; anything unexpected is Cancel. */
export function quitChoice(response: number): QuitChoice {
  return response === 0 ? 'wait' : response === 1 ? 'quit' : 'cancel';
}

/** While waiting: quit once the engine reports nothing running (or is gone). */
export function waitIsOver(activity: Activity | null): boolean {
  return quitDecision(activity).kind === 'quit';
}
