/**
 * `fieldline serve` in a child process, the way a technician starts it: loopback only, a free
 * port, no browser. Resolves once it prints the line with its URL (and access token); every line
 * it prints on either stream is kept for failure messages and for tests that read them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const REPO = resolve(import.meta.dirname, '..', '..');
const RUNNING_LINE = /^Fieldline is running at (\S+)\s*$/;
const START_GUARD_MS = 90_000;
const STOP_GUARD_MS = 15_000;

export interface ServeOptions {
  readonly dataDir: string;
  /** Flags after the defaults (`--no-open --port 0 --interfaces lo --data-dir …`). */
  readonly flags?: readonly string[];
  /** Its own process group, so `stop` also ends the agents and socat a demo server started. */
  readonly detached?: boolean;
  /** Sees each line on standard output as it comes (the demo's gateway lines). */
  readonly onLine?: (line: string) => void;
}

export interface ServeProcess {
  readonly child: ChildProcess;
  /** The link it printed, with its access token. */
  readonly url: string;
  /** Every line printed so far, both streams. */
  readonly lines: string[];
  output(): string;
  /** SIGTERM (to the group when detached), SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

export async function startServe({ dataDir, flags = [], detached = false, onLine }: ServeOptions): Promise<ServeProcess> {
  const args = ['--import', 'tsx', 'cli/main.ts', 'serve', '--no-open', '--port', '0', '--interfaces', 'lo', '--data-dir', dataDir];
  const child = spawn(process.execPath, [...args, ...flags], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
    env: { ...process.env, BROWSER: 'none' },
  });
  const lines: string[] = [];
  const output = (): string => lines.join('\n');
  const signal = (name: NodeJS.Signals): void => {
    try {
      if (detached && child.pid !== undefined) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // Already gone.
    }
  };
  const stop = async (): Promise<void> => {
    signal('SIGTERM');
    if (!(await exited(child, STOP_GUARD_MS))) {
      signal('SIGKILL');
      await exited(child, STOP_GUARD_MS);
    }
  };
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  try {
    const url = await new Promise<string>((done, fail) => {
      const guard = setTimeout(
        () => fail(new Error(`fieldline serve printed no "Fieldline is running at" line in ${START_GUARD_MS / 1000} s.\n${output()}`)),
        START_GUARD_MS,
      );
      const onExit = (code: number | null, name: NodeJS.Signals | null): void => {
        clearTimeout(guard);
        fail(new Error(`fieldline serve exited (${name ?? `code ${code}`}) before it was ready:\n${output()}`));
      };
      child.once('exit', onExit);
      child.once('error', (err) => {
        clearTimeout(guard);
        fail(err);
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        onLine?.(line);
        const running = RUNNING_LINE.exec(line);
        if (running === null) return;
        clearTimeout(guard);
        child.off('exit', onExit);
        done(running[1]!);
      });
    });
    return { child, url, lines, output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
