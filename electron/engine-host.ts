/**
 * Runs the engine in a supervised utility process and links it to each renderer.
 *
 * The engine (SQLite, serial, sockets, onnxruntime) never runs on the main or renderer thread.
 * Each page load gets its own MessageChannel: one end goes to the engine, the other to the
 * page's preload. A crash is logged with its reason and the engine restarts with backoff;
 * while it is down, the renderer's port is answered by this process with a clear error instead
 * of leaving calls hanging.
 */
import { app, MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess, type WebContents } from 'electron';
import { decodeCall, type ServerMessage } from '../core/api/rpc.js';
import { parseFromEngine, type ToEngine } from './engine-control.js';
import { engineEnvironment } from './engine-environment.js';
import { launchArgs, type LaunchOptions } from './launch-options.js';

/** The IPC channel that carries a MessagePort to the preload; nothing else uses IPC. */
export const PORT_CHANNEL = 'fieldline:port';

const SERVICE_NAME = 'Fieldline engine';
const BACKOFF_MS = [250, 1000, 2000, 5000, 10_000, 15_000] as const;
/** An engine that stayed up this long has recovered; its next crash starts the backoff again. */
const HEALTHY_AFTER_MS = 30_000;
/** Consecutive failures before the host stops restarting and tells the UI why. */
const MAX_FAILURES = 6;
const SHUTDOWN_GRACE_MS = 3000;

export interface EngineHostOptions {
  /** dist/electron/engine-process.js */
  readonly enginePath: string;
  /** Forwarded to the engine; `dataDir` is always set by the time the host starts. */
  readonly launch: LaunchOptions & { readonly dataDir: string };
  readonly log: (line: string) => void;
  /**
   * The audit key as PEM, unsealed with the OS keychain, or null where the keychain is not
   * available (the engine then keeps it in a 0600 file and says so).
   */
  readonly auditKeyPem?: () => string | null;
}

type EngineState =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'starting'; readonly child: UtilityProcess; readonly since: number }
  | { readonly kind: 'ready'; readonly child: UtilityProcess; readonly since: number }
  | { readonly kind: 'waiting'; readonly timer: NodeJS.Timeout; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

type Unavailable = { readonly code: string; readonly message: string; readonly fix: string };

export class EngineHost {
  private state: EngineState = { kind: 'stopped' };
  private readonly renderers = new Set<WebContents>();
  /** Ports this process answers itself while the engine is down, per renderer. */
  private readonly stopgaps = new Map<WebContents, MessagePortMain>();
  private failures = 0;
  private lastFatal: string | null = null;
  private nextConnection = 1;
  private stopping = false;

  constructor(private readonly options: EngineHostOptions) {
    app.on('child-process-gone', (_event, details) => {
      if (details.type !== 'Utility' || (details.name !== SERVICE_NAME && details.serviceName !== SERVICE_NAME)) return;
      options.log(`engine process gone: ${details.reason} (exit code ${details.exitCode})`);
    });
  }

  start(): void {
    this.stopping = false;
    if (this.state.kind !== 'stopped' && this.state.kind !== 'failed') return;
    this.failures = 0;
    this.spawn();
  }

  /** Links a window's web contents to the engine, now and after every reload or restart. */
  attach(contents: WebContents): void {
    this.renderers.add(contents);
    // Each page load runs a fresh preload, which needs a fresh port.
    contents.on('did-finish-load', () => this.connect(contents));
    contents.once('destroyed', () => {
      this.renderers.delete(contents);
      this.stopgaps.get(contents)?.close();
      this.stopgaps.delete(contents);
    });
    if (!contents.isLoading()) this.connect(contents);
  }

  /** Asks the engine to close its store and sessions; kills it if it does not exit in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    const state = this.state;
    if (state.kind === 'waiting') clearTimeout(state.timer);
    if (state.kind !== 'starting' && state.kind !== 'ready') {
      this.state = { kind: 'stopped' };
      return;
    }
    const child = state.child;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => {
        this.options.log(`engine did not exit within ${SHUTDOWN_GRACE_MS} ms of shutdown; killing it`);
        child.kill();
        // 'exit' may never come for a process that is already gone.
        setTimeout(resolve, 500).unref();
      }, SHUTDOWN_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.postMessage({ type: 'shutdown' } satisfies ToEngine);
    });
    this.state = { kind: 'stopped' };
  }

  private spawn(): void {
    const { enginePath, launch, log } = this.options;
    this.lastFatal = null;
    const args = launchArgs({ ...launch, ...(this.options.auditKeyPem ? { sealedAuditKey: true } : {}) });
    const child = utilityProcess.fork(enginePath, args, {
      serviceName: SERVICE_NAME,
      env: engineEnvironment(process.env),
      stdio: 'inherit',
    });
    this.state = { kind: 'starting', child, since: Date.now() };
    let pem: string | null = null;
    try {
      pem = this.options.auditKeyPem?.() ?? null;
    } catch (err) {
      // A sealed key this user cannot open must not be replaced by a new one: the engine says why.
      log(`audit key: ${(err as Error).message}`);
    }
    if (pem !== null) child.postMessage({ type: 'audit-key', pem } satisfies ToEngine);
    child.on('message', (raw: unknown) => this.onEngineMessage(child, raw));
    child.on('error', (type, location) => log(`engine ${type} at ${location}`));
    child.once('exit', (code) => this.onExit(child, code));
  }

  private onEngineMessage(child: UtilityProcess, raw: unknown): void {
    const state = this.state;
    if ((state.kind !== 'starting' && state.kind !== 'ready') || state.child !== child) return;
    const message = parseFromEngine(raw);
    if (message === null) {
      this.options.log('ignored a malformed control message from the engine');
      return;
    }
    switch (message.type) {
      case 'ready':
        this.state = { kind: 'ready', child, since: state.since };
        this.options.log(`engine ready (pid ${child.pid ?? '?'})`);
        for (const contents of this.renderers) if (!contents.isLoading()) this.connect(contents);
        return;
      case 'fatal':
        this.lastFatal = message.message;
        this.options.log(`engine could not start: ${message.message}`);
        return;
    }
  }

  private onExit(child: UtilityProcess, code: number): void {
    const state = this.state;
    if ((state.kind !== 'starting' && state.kind !== 'ready') || state.child !== child) return;
    if (this.stopping) {
      this.state = { kind: 'stopped' };
      return;
    }
    const ranFor = Date.now() - state.since;
    if (ranFor >= HEALTHY_AFTER_MS) this.failures = 0;
    this.failures++;
    const reason = this.lastFatal ?? `the engine process exited with code ${code}`;
    if (this.failures > MAX_FAILURES) {
      this.options.log(`engine failed ${this.failures} times in a row; giving up: ${reason}`);
      this.state = { kind: 'failed', reason };
    } else {
      const delay = BACKOFF_MS[Math.min(this.failures - 1, BACKOFF_MS.length - 1)]!;
      this.options.log(`engine stopped after ${ranFor} ms (${reason}); restart ${this.failures} of ${MAX_FAILURES} in ${delay} ms`);
      this.state = { kind: 'waiting', reason, timer: setTimeout(() => this.spawn(), delay) };
    }
    // Renderers still hold ports to the dead engine: give them one that answers at once.
    for (const contents of this.renderers) if (!contents.isLoading()) this.connect(contents);
  }

  private connect(contents: WebContents): void {
    if (contents.isDestroyed()) return;
    const state = this.state;
    switch (state.kind) {
      case 'ready': {
        const { port1, port2 } = new MessageChannelMain();
        state.child.postMessage({ type: 'connect', connection: this.nextConnection++ } satisfies ToEngine, [port1]);
        this.handOver(contents, port2, null);
        return;
      }
      case 'waiting':
        return this.connectStopgap(contents, {
          code: 'engine_restarting',
          message: `The Fieldline engine stopped (${state.reason}) and is restarting.`,
          fix: 'Try again in a few seconds.',
        });
      case 'failed':
        return this.connectStopgap(contents, {
          code: 'engine_unavailable',
          message: `The Fieldline engine could not be kept running: ${state.reason}.`,
          fix: 'Restart Fieldline. If this keeps happening, start it from a terminal and send the log to support.',
        });
      case 'starting':
      case 'stopped':
        // The port follows when the engine reports ready.
        return;
    }
  }

  private connectStopgap(contents: WebContents, error: Unavailable): void {
    const { port1, port2 } = new MessageChannelMain();
    port1.on('message', (event) => {
      const data: unknown = event.data;
      const call = typeof data === 'string' ? decodeCall(data) : null;
      const id = call?.ok ? call.value.id : -1;
      port1.postMessage(JSON.stringify({ type: 'result', id, ok: false, error } satisfies ServerMessage));
    });
    port1.start();
    this.handOver(contents, port2, port1);
  }

  private handOver(contents: WebContents, rendererEnd: MessagePortMain, stopgap: MessagePortMain | null): void {
    this.stopgaps.get(contents)?.close();
    if (stopgap) this.stopgaps.set(contents, stopgap);
    else this.stopgaps.delete(contents);
    contents.postMessage(PORT_CHANNEL, null, [rendererEnd]);
  }
}
