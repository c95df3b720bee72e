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
import type { AppCommandName, EngineStatus } from '../core/api/schemas.js';
import { parseFromEngine, type Activity, type ToEngine } from './engine-control.js';
import { engineEnvironment } from './engine-environment.js';
import {
  engineExited,
  engineReady,
  engineResumed,
  engineStartedByUser,
  initialPolicy,
  MAX_FAILURES,
  type EnginePolicy,
} from './engine-policy.js';
import { checkContents } from './ipc-sender.js';
import { launchArgs, type LaunchOptions } from './launch-options.js';

/** The IPC channel that carries a MessagePort to the preload; nothing else uses IPC. */
export const PORT_CHANNEL = 'fieldline:port';

const SERVICE_NAME = 'Fieldline engine';
const SHUTDOWN_GRACE_MS = 3000;
/** How long `activity()` waits for the engine's answer before reporting it unknown. */
const ACTIVITY_TIMEOUT_MS = 2000;

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
  /** Web contents ids of the app's own windows: no other contents is given an engine port. */
  readonly trustedWindows: ReadonlySet<number>;
  /** How the engine must protect the keys (electron/key-protection.ts), as launch switches. */
  readonly keyProtectionArgs?: readonly string[];
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
  private policy: EnginePolicy = initialPolicy();
  private lastFatal: string | null = null;
  private nextRequest = 1;
  private readonly activityWaiters = new Map<number, (activity: Activity) => void>();
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
    this.policy = engineStartedByUser(this.policy);
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

  /** Sends a menu command to every page (through the engine, or the stopgap while it is down). */
  sendCommand(command: AppCommandName, paths?: readonly string[]): void {
    this.broadcast({ type: 'host-event', event: 'app.command', data: paths ? { command, paths: [...paths] } : { command } });
  }

  /**
   * What the engine is running now (flash jobs and their gateways, benchmarks), or null when it
   * is down or does not answer in time.
   */
  activity(): Promise<Activity | null> {
    const state = this.state;
    if (state.kind !== 'ready') return Promise.resolve(null);
    const request = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.activityWaiters.delete(request);
        resolve(null);
      }, ACTIVITY_TIMEOUT_MS);
      this.activityWaiters.set(request, (activity) => {
        clearTimeout(timer);
        resolve(activity);
      });
      state.child.postMessage({ type: 'activity', request } satisfies ToEngine);
    });
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
    const args = [
      ...launchArgs({ ...launch, ...(this.options.auditKeyPem ? { sealedAuditKey: true } : {}) }),
      ...(this.options.keyProtectionArgs ?? []),
    ];
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
      case 'ready': {
        this.state = { kind: 'ready', child, since: state.since };
        this.options.log(`engine ready (pid ${child.pid ?? '?'})`);
        for (const contents of this.renderers) if (!contents.isLoading()) this.connect(contents);
        const { policy, resume } = engineReady(this.policy);
        this.policy = policy;
        if (resume === null) return;
        // After a crash the new engine resumes the jobs the old one was running; the page hears
        // "running" once it has (see 'resumed').
        if (resume.skip.length > 0) this.options.log(`not resuming ${resume.skip.join(', ')}: their resume crashed the engine before`);
        child.postMessage({ type: 'resume-interrupted', skip: resume.skip } satisfies ToEngine);
        return;
      }
      case 'fatal':
        this.lastFatal = message.message;
        this.options.log(`engine could not start: ${message.message}`);
        return;
      case 'resumed':
        for (const s of message.skipped) this.options.log(`flash job ${s.jobId} not resumed: ${s.reason}`);
        if (message.jobIds.length > 0) this.options.log(`resumed flash jobs after the restart: ${message.jobIds.join(', ')}`);
        this.policy = engineResumed(this.policy, message.jobIds);
        this.reportStatus(this.policy.status);
        return;
      case 'activity': {
        const { type: _type, request, ...activity } = message;
        this.activityWaiters.get(request)?.(activity);
        this.activityWaiters.delete(request);
        return;
      }
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
    const reason = this.lastFatal ?? `the engine process exited with code ${code}`;
    const { policy, decision } = engineExited(this.policy, { ranForMs: ranFor, reason });
    this.policy = policy;
    if (decision.kind === 'give-up') {
      this.options.log(`engine failed ${policy.failures} times in a row; giving up: ${reason}`);
      this.state = { kind: 'failed', reason };
    } else {
      this.options.log(
        `engine stopped after ${ranFor} ms (${reason}); restart ${decision.attempt} of ${MAX_FAILURES} in ${decision.delayMs} ms`,
      );
      this.state = { kind: 'waiting', reason, timer: setTimeout(() => this.spawn(), decision.delayMs) };
    }
    for (const resolve of this.activityWaiters.values()) resolve({ flash: [], bench: [] });
    this.activityWaiters.clear();
    // Renderers still hold ports to the dead engine: give them one that answers at once, and
    // tells the page why.
    for (const contents of this.renderers) if (!contents.isLoading()) this.connect(contents);
  }

  /** Tells every page how the engine is (its banner). */
  private reportStatus(status: EngineStatus): void {
    this.broadcast({ type: 'host-event', event: 'engine.status', data: status });
  }

  private broadcast(message: Extract<ToEngine, { type: 'host-event' }>): void {
    const state = this.state;
    if (state.kind === 'ready') {
      state.child.postMessage(message satisfies ToEngine);
      return;
    }
    const text = JSON.stringify({ type: 'event', event: message.event, data: message.data } satisfies ServerMessage);
    for (const port of this.stopgaps.values()) port.postMessage(text);
  }

  private connect(contents: WebContents): void {
    if (contents.isDestroyed()) return;
    const verdict = checkContents(contents, this.options.trustedWindows);
    if (!verdict.trusted) {
      this.options.log(`no engine port for web contents ${contents.id}: ${verdict.reason}`);
      return;
    }
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
    // Queued on the port until the preload adopts it.
    port1.postMessage(JSON.stringify({ type: 'event', event: 'engine.status', data: this.policy.status } satisfies ServerMessage));
  }

  private handOver(contents: WebContents, rendererEnd: MessagePortMain, stopgap: MessagePortMain | null): void {
    this.stopgaps.get(contents)?.close();
    if (stopgap) this.stopgaps.set(contents, stopgap);
    else this.stopgaps.delete(contents);
    contents.postMessage(PORT_CHANNEL, null, [rendererEnd]);
  }
}
