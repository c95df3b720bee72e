/**
 * Quitting while flash jobs or benchmarks run: ask first (shutdown-policy.ts decides and words
 * it), wait for them when asked to, then stop the engine cleanly before the app exits.
 */
import { app, dialog, type BrowserWindow } from 'electron';
import type { EngineHost } from './engine-host.js';
import { quitChoice, quitDecision, waitIsOver } from './shutdown-policy.js';

/** How often the engine is asked whether the jobs being waited for are done. */
const WAIT_POLL_MS = 2000;

type Phase = 'idle' | 'asking' | 'waiting' | 'quitting';

export class QuitGuard {
  private phase: Phase = 'idle';
  private poll: NodeJS.Timeout | null = null;

  constructor(
    private readonly engine: EngineHost,
    private readonly window: () => BrowserWindow | null,
    private readonly log: (line: string) => void,
  ) {
    app.on('before-quit', (event) => {
      if (this.phase === 'quitting') return;
      event.preventDefault();
      void this.request();
    });
  }

  /** Closing the last window quits on Windows and Linux: ask before the window goes. */
  guardWindow(window: BrowserWindow): void {
    if (process.platform === 'darwin') return;
    window.on('close', (event) => {
      if (this.phase === 'quitting') return;
      event.preventDefault();
      void this.request();
    });
  }

  private async request(): Promise<void> {
    if (this.phase === 'asking' || this.phase === 'quitting') return;
    this.stopWaiting();
    this.phase = 'asking';
    const decision = quitDecision(await this.engine.activity());
    if (decision.kind === 'quit') return this.finish(decision.why);
    const window = this.window();
    const options = {
      type: 'warning' as const,
      title: 'Jobs are running',
      noLink: true,
      ...decision.prompt,
      buttons: [...decision.prompt.buttons],
    };
    const { response } =
      window && !window.isDestroyed() ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
    switch (quitChoice(response)) {
      case 'quit':
        return this.finish('the technician chose to quit anyway');
      case 'cancel':
        this.phase = 'idle';
        return;
      case 'wait':
        this.phase = 'waiting';
        this.log('waiting for the running jobs to finish before quitting');
        this.poll = setInterval(() => {
          void this.engine.activity().then((activity) => {
            if (this.phase === 'waiting' && waitIsOver(activity)) void this.finish('the jobs finished');
          });
        }, WAIT_POLL_MS);
        return;
    }
  }

  private stopWaiting(): void {
    if (this.poll !== null) clearInterval(this.poll);
    this.poll = null;
  }

  private async finish(why: string): Promise<void> {
    this.stopWaiting();
    this.phase = 'quitting';
    this.log(`quitting: ${why}`);
    // Gives the engine time to mark running jobs interrupted and close SQLite.
    await this.engine.stop().catch((err: unknown) => this.log(`engine stop failed: ${String(err)}`));
    app.quit();
  }
}
