/**
 * Entry of the engine's utility process.
 *
 * Creates the engine on the data directory the main process names, then serves the API on
 * every MessagePort the main process hands over (one per renderer page load). Nothing here
 * imports Electron at runtime: a utility process is plain Node plus `process.parentPort`.
 */
import type { MessagePortMain } from 'electron';
import type { EventName } from '../core/api/contract.js';
import { serveChannel, type Handlers, type TextChannel } from '../core/api/dispatch.js';
import { createEngine } from '../core/engine/engine.js';
import { createKeyedEngine } from '../core/engine/secrets-handlers.js';
import { engineKeySession } from './key-protection.js';
import type { Engine } from '../core/engine/engine-types.js';
import { parseToEngine, type Activity, type FromEngine } from './engine-control.js';
import { parseLaunchOptions } from './launch-options.js';

function portChannel(port: MessagePortMain): TextChannel {
  return {
    send: (text) => port.postMessage(text),
    onMessage: (listener) => {
      port.on('message', (event) => {
        const data: unknown = event.data;
        // The preload only ever sends JSON text; anything else is not ours to interpret.
        if (typeof data === 'string') listener(data);
      });
    },
    onClose: (listener) => {
      port.on('close', listener);
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Listener = (event: EventName, data: unknown) => void;

/**
 * The engine as this process serves it: its handlers, with benchmark runs counted (for the quit
 * prompt), and its events plus the shell's own (menu commands, engine status) for every page.
 */
class ServedEngine {
  private readonly hostListeners = new Set<Listener>();
  /** Benchmark runs in progress, by gateway id. */
  private readonly benchRuns = new Map<number, string>();
  private nextRun = 1;
  readonly handlers: Handlers;

  constructor(private readonly engine: Engine) {
    const run = engine.handlers['bench.run'];
    this.handlers = {
      ...engine.handlers,
      'bench.run': async (params) => {
        const id = this.nextRun++;
        this.benchRuns.set(id, params.deviceId);
        try {
          return await run(params);
        } finally {
          this.benchRuns.delete(id);
        }
      },
    };
  }

  subscribe(listener: Listener): () => void {
    const off = this.engine.subscribe(listener);
    this.hostListeners.add(listener);
    return () => {
      off();
      this.hostListeners.delete(listener);
    };
  }

  emitHostEvent(event: EventName, data: unknown): void {
    for (const listener of this.hostListeners) listener(event, data);
  }

  async activity(): Promise<Activity> {
    const jobs = await this.engine.handlers['flash.list']({});
    const devices = this.benchRuns.size > 0 ? await this.engine.handlers['devices.list']({}) : [];
    return {
      flash: jobs
        .filter((j) => j.state === 'running')
        .map((j) => ({
          jobId: j.id,
          gateways: j.targets.filter((t) => t.state === 'running' || t.state === 'pending').map((t) => t.deviceName),
        })),
      bench: [...this.benchRuns.values()].map((deviceId) => ({
        deviceId,
        deviceName: devices.find((d) => d.id === deviceId)?.name ?? `${deviceId.slice(0, 12)}…`,
      })),
    };
  }
}

async function main(): Promise<void> {
  // `parentPort` is typed as always present, but it is null outside a utility process.
  const parent = (process as { parentPort?: typeof process.parentPort | null }).parentPort ?? null;
  if (parent === null) {
    console.error('engine-process.js runs inside Electron as a utility process; use `fieldline serve` to run the engine on its own.');
    process.exitCode = 2;
    return;
  }
  const post = (message: FromEngine): void => parent.postMessage(message);
  const fail = (message: string): void => {
    post({ type: 'fatal', message });
    // Let the control message leave before the process does.
    setTimeout(() => process.exit(1), 200);
  };
  const { options: launch } = parseLaunchOptions(process.argv);
  const dataDir = launch.dataDir;
  if (dataDir === undefined) return fail('the main process did not pass --data-dir');
  const discovery = {
    ...(launch.interfaces && { interfaces: launch.interfaces }),
    ...(launch.serialPorts && { serialPorts: launch.serialPorts }),
    ...(launch.udpPort !== undefined && { udpPort: launch.udpPort }),
  };

  // Ports may arrive before the engine is up; a MessagePortMain queues messages until start().
  let engine: Engine | null = null;
  let served: ServedEngine | null = null;
  const waiting: MessagePortMain[] = [];
  const serve = (ready: ServedEngine, port: MessagePortMain): void => {
    serveChannel(ready.handlers, (listener) => ready.subscribe(listener), portChannel(port));
    port.start();
  };
  let closing: Promise<void> | null = null;
  const shutdown = (): void => {
    // Running flash jobs are left `interrupted` by close(), to be resumed next time.
    closing ??= (engine?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`engine close failed: ${describe(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);

  // With --sealed-audit-key, main sends the audit key (unsealed with the OS keychain) first.
  let auditKey: (pem: string) => void = () => {};
  const auditPem = launch.sealedAuditKey
    ? new Promise<string>((resolve, reject) => {
        auditKey = resolve;
        setTimeout(() => reject(new Error('the main process did not send the audit key within 15 s')), 15_000).unref();
      })
    : null;

  parent.on('message', (event) => {
    const message = parseToEngine(event.data);
    if (message === null) return;
    switch (message.type) {
      case 'audit-key':
        auditKey(message.pem);
        return;
      case 'connect': {
        const port = event.ports[0];
        if (!port) return;
        if (served) serve(served, port);
        else waiting.push(port);
        return;
      }
      case 'shutdown':
        shutdown();
        return;
      case 'host-event':
        served?.emitHostEvent(message.event, message.data);
        return;
      case 'resume-interrupted': {
        if (!engine) return;
        engine.handlers['flash.resumeInterrupted']({ skip: [...message.skip] }).then(
          ({ resumed, skipped }) => post({ type: 'resumed', jobIds: resumed, skipped }),
          (err: unknown) => {
            console.error(`could not resume interrupted flash jobs: ${describe(err)}`);
            post({ type: 'resumed', jobIds: [], skipped: [] });
          },
        );
        return;
      }
      case 'activity': {
        const answer = served?.activity() ?? Promise.resolve({ flash: [], bench: [] });
        answer.then(
          (activity) => post({ type: 'activity', request: message.request, ...activity }),
          (err: unknown) => console.error(`could not list running jobs: ${describe(err)}`),
        );
        return;
      }
    }
  });

  let ready: Engine;
  try {
    const pem = auditPem ? await auditPem : null;
    // Locked in passphrase mode until the page unlocks it; keychain keys arrive as `pem`.
    const keys = engineKeySession(dataDir, process.argv, pem);
    ready = await createKeyedEngine({ dataDir, host: 'electron', autoStartDiscovery: true, discovery }, keys, createEngine);
  } catch (err) {
    return fail(describe(err));
  }
  engine = ready;
  served = new ServedEngine(ready);
  for (const port of waiting.splice(0)) serve(served, port);
  post({ type: 'ready' });
}

void main();
