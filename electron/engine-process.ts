/**
 * Entry of the engine's utility process.
 *
 * Creates the engine on the data directory the main process names, then serves the API on
 * every MessagePort the main process hands over (one per renderer page load). Nothing here
 * imports Electron at runtime: a utility process is plain Node plus `process.parentPort`.
 */
import type { MessagePortMain } from 'electron';
import { serveChannel, type TextChannel } from '../core/api/dispatch.js';
import { pemKeyVault } from '../core/audit/key-handoff.js';
import { createEngine } from '../core/engine/engine.js';
import type { Engine } from '../core/engine/engine-types.js';
import { parseToEngine, type FromEngine } from './engine-control.js';
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
  const waiting: MessagePortMain[] = [];
  const serve = (ready: Engine, port: MessagePortMain): void => {
    serveChannel(ready.handlers, (listener) => ready.subscribe(listener), portChannel(port));
    port.start();
  };

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
        if (engine) serve(engine, port);
        else waiting.push(port);
        return;
      }
      case 'shutdown':
        void (engine?.close() ?? Promise.resolve()).then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(`engine close failed: ${describe(err)}`);
            process.exit(1);
          },
        );
        return;
    }
  });

  let ready: Engine;
  try {
    const pem = auditPem ? await auditPem : null;
    const auditKeyVault = pem ? pemKeyVault(pem) : undefined;
    ready = await createEngine({
      dataDir,
      host: 'electron',
      autoStartDiscovery: true,
      discovery,
      ...(auditKeyVault ? { auditKeyVault } : {}),
    });
  } catch (err) {
    return fail(describe(err));
  }
  engine = ready;
  for (const port of waiting.splice(0)) serve(ready, port);
  post({ type: 'ready' });
}

void main();
