/**
 * `fieldline serve`: the engine in this process, the UI in a browser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Engine, EngineOptions } from '../../core/engine/engine-types.js';
import { createKeyedEngine } from '../../core/engine/secrets-handlers.js';
import { folderProtection } from '../../core/secrets/key-files.js';
import { passphraseKeySession } from '../../core/secrets/key-session.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { openBrowser } from './open-browser.js';
import { exposureWarning, parseServeArgs, type ServeOptions } from './serve-args.js';
import { startWebHost, type WebHost } from './web-host.js';

export type CreateEngine = (options: EngineOptions) => Promise<Engine>;

export interface ServeIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves when the server should stop; Ctrl+C / SIGTERM by default. */
  readonly stopped?: Promise<void>;
  readonly staticDir?: string;
  readonly openBrowser?: (url: string) => boolean;
}

/** The line scripts and the e2e tests wait for; keep it stable. */
export function runningLine(url: string): string {
  return `Fieldline is running at ${url}`;
}

/** dist/renderer of this package, found from sources (cli/serve) and from the build (dist/cli/serve). */
export function findRendererDir(from: string = import.meta.dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'fieldline') {
          const built = join(dir, 'dist', 'renderer');
          return existsSync(join(built, 'index.html')) ? built : null;
        }
      } catch {
        // An unreadable package.json on the way up is not ours.
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

const defaultIo: ServeIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const PASSPHRASE_REASON =
  'Fieldline was started with --passphrase, so your keys are sealed with a passphrase instead of kept in plain files.';
const SEALED_REASON = 'The keys in this data folder are sealed with a passphrase, so Fieldline asks for it each time it starts.';

/** Starts the engine and the web host; resolves with both so a caller can add to the lifecycle. */
export async function startServe(
  options: ServeOptions,
  createEngine: CreateEngine,
  staticDir: string,
): Promise<{ engine: Engine; host: WebHost }> {
  const dataDir = options.dataDir ?? defaultDataDir();
  const engineOptions: EngineOptions = {
    dataDir,
    host: 'web',
    autoStartDiscovery: true,
    discovery: {
      ...(options.interfaces === undefined ? {} : { interfaces: options.interfaces }),
      ...(options.serialPorts === undefined ? {} : { serialPorts: options.serialPorts }),
    },
  };
  // With --passphrase, or in a folder already sealed that way, the engine starts locked.
  const sealed = folderProtection(dataDir) === 'passphrase';
  const engine =
    options.passphrase === true || sealed
      ? await createKeyedEngine(
          engineOptions,
          passphraseKeySession(dataDir, { reason: sealed ? SEALED_REASON : PASSPHRASE_REASON }),
          createEngine,
        )
      : await createEngine(engineOptions);
  try {
    const host = await startWebHost({ engine, port: options.port, host: options.host, staticDir });
    return { engine, host };
  } catch (err) {
    await engine.close();
    throw err;
  }
}

/** `fieldline serve …`: resolves with the exit code once stopped. */
export async function runServeCommand(argv: readonly string[], createEngine: CreateEngine, io: ServeIo = defaultIo): Promise<number> {
  const parsed = parseServeArgs(argv);
  if (!parsed.ok) {
    io.err(`fieldline serve: ${parsed.message}`);
    return 2;
  }
  const options = parsed.options;
  const staticDir = io.staticDir ?? findRendererDir();
  if (staticDir === null || !existsSync(join(staticDir, 'index.html'))) {
    io.err('fieldline serve: the user interface is not built (dist/renderer/index.html is missing).');
    io.err('  what to do: run `npm run build` in the Fieldline folder, then start `fieldline serve` again.');
    return 1;
  }
  const stopped = io.stopped ?? untilSignal();

  let running: { engine: Engine; host: WebHost };
  try {
    running = await startServe(options, createEngine, staticDir);
  } catch (err) {
    const e = err as { message?: string; fix?: string; code?: string };
    io.err(`fieldline serve: could not start: ${e.message ?? String(err)}`);
    if (e.code === 'EADDRINUSE')
      io.err(`  what to do: port ${options.port} is taken; pick another with --port, or --port 0 for a free one.`);
    else if (e.code === 'EADDRNOTAVAIL')
      io.err(`  what to do: ${options.host} is not an address of this computer; use 127.0.0.1 or one of its interface addresses.`);
    else if (e.fix !== undefined) io.err(`  what to do: ${e.fix}`);
    return 1;
  }

  if (options.resumeInterrupted) {
    try {
      const { resumed, skipped } = await running.engine.handlers['flash.resumeInterrupted']({});
      if (resumed.length > 0) io.out(`Resumed ${resumed.length} interrupted flash job(s): ${resumed.join(', ')}`);
      for (const s of skipped) io.err(`flash job ${s.jobId} not resumed: ${s.reason}`);
    } catch (err) {
      io.err(`could not resume interrupted flash jobs: ${(err as Error).message}`);
    }
  }
  const warning = exposureWarning(options.host);
  if (warning !== null) io.err(`warning: ${warning}`);
  io.out(runningLine(running.host.url));
  io.out('Keep this link private: it carries the access token. Press Ctrl+C to stop.');
  if (options.open) {
    const opened = (io.openBrowser ?? openBrowser)(running.host.url);
    if (!opened) io.out('No desktop browser to open here; open the link above in a browser on this computer.');
  }

  await stopped;
  io.out('Stopping Fieldline…');
  await running.host.close();
  await running.engine.close();
  return 0;
}
