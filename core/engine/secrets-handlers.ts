/**
 * The `secrets.*` API and the engine that waits for a passphrase.
 *
 * In passphrase mode the audit log cannot even be opened before the audit key is, so a locked
 * engine is a small stand-in: it answers `secrets.*` and `app.info`, refuses every other call
 * with keys_locked, and creates the real engine once the keys open. The real engine's
 * `secrets.*` (secretsHandlers, spread into engine.ts's table) serve status and passphrase
 * changes afterwards and write what the key session noted into the audit log. Passphrases are
 * never recorded: only the action, how many wrong tries preceded it, and which keys it sealed.
 */
import { ApiError, methods, type EventName, type MethodName } from '../api/contract.js';
import type { Handlers } from '../api/dispatch.js';
import type { KeyStatus } from '../api/schemas.js';
import { fileKeySession, type KeySession } from '../secrets/key-session.js';
import { keysLocked } from '../secrets/secrets-error.js';
import { keySessionFor, registerKeySession } from '../secrets/session-registry.js';
import { packageVersion } from '../package-info.js';
import type { AuditRecorder } from './audit-recorder.js';
import { errorOf } from './audit-recorder.js';
import type { Engine, EngineOptions } from './engine-types.js';

type SecretsMethod = 'secrets.status' | 'secrets.unlock' | 'secrets.setPassphrase';
type SecretsHandlers = Pick<Handlers, SecretsMethod>;

/** Copies the session's notes into the audit log (they wait there while the log is closed). */
function recordNotes(session: KeySession, recorder: AuditRecorder): void {
  for (const note of session.takeNotes()) {
    try {
      recorder.event(note.action, null, note.params);
    } catch {
      // An unwritable log refuses the next action; the key operation itself already happened.
    }
  }
}

/** The real engine's `secrets.*`: spread into its handler table in engine.ts. */
export function secretsHandlers(dataDir: string, recorder: AuditRecorder): SecretsHandlers {
  const session = keySessionFor(dataDir) ?? fileKeySession(dataDir);
  recordNotes(session, recorder);
  return {
    'secrets.status': async () => session.status(),
    'secrets.unlock': async ({ passphrase }) => session.unlock(passphrase),
    'secrets.setPassphrase': async ({ current, next }) => {
      try {
        return await session.setPassphrase(current, next);
      } catch (err) {
        recorder.event('secrets.change-passphrase', null, {}, 'failed', errorOf(err));
        throw err;
      } finally {
        recordNotes(session, recorder);
      }
    },
  };
}

export type CreateEngine = (options: EngineOptions) => Promise<Engine>;

/**
 * An engine over `session`'s keys: the real one at once when they are open, else a locked one
 * that becomes the real one when `secrets.unlock` or first set-up opens them. The session is
 * registered for the data folder so the stores find its keys; `close` unregisters it.
 */
export async function createKeyedEngine(options: EngineOptions, session: KeySession, create: CreateEngine): Promise<Engine> {
  const unregister = registerKeySession(session);
  const withKeys = (): EngineOptions => ({ ...options, auditKeyVault: session.auditVault() });
  if (!session.status().locked) {
    try {
      const engine = await create(withKeys());
      return { ...engine, close: () => engine.close().finally(unregister) };
    } catch (err) {
      unregister();
      throw err;
    }
  }

  const listeners = new Set<(event: EventName, data: unknown) => void>();
  let inner: Engine | null = null;
  let opening: Promise<Engine> | null = null;
  let closed = false;
  /** Creates the real engine once; its events go to everyone who subscribed to the locked one. */
  const open = (): Promise<Engine> => {
    opening ??= create(withKeys()).then((engine) => {
      if (closed) {
        void engine.close();
        throw new ApiError('engine_closed', 'the engine is shutting down', 'Start Fieldline again.');
      }
      inner = engine;
      engine.subscribe((event, data) => {
        for (const listener of listeners) listener(event, data);
      });
      return engine;
    });
    opening.catch(() => {
      opening = null;
    });
    return opening;
  };
  const afterKeys = async (status: Promise<KeyStatus>): Promise<KeyStatus> => {
    const result = await status;
    if (!result.locked) await open();
    return result;
  };

  const locked: Record<string, unknown> = {};
  for (const method of Object.keys(methods) as MethodName[]) {
    locked[method] = async (params: never) => {
      // Keys open but the engine failed to start last time: try again rather than say "locked".
      if (!session.status().locked) return ((await open()).handlers[method] as (p: never) => Promise<unknown>)(params);
      throw keysLocked();
    };
  }
  const secrets: SecretsHandlers = {
    'secrets.status': async () => session.status(),
    'secrets.unlock': async ({ passphrase }) => afterKeys(session.unlock(passphrase)),
    'secrets.setPassphrase': async ({ current, next }) => afterKeys(session.setPassphrase(current, next)),
  };
  Object.assign(locked, secrets, {
    'app.info': async () => ({ version: packageVersion(), host: options.host, dataDir: options.dataDir }),
  } satisfies Pick<Handlers, 'app.info'>);
  const lockedHandlers = locked as Handlers;

  // Every call goes to the real engine once it exists, to the locked stand-in until then.
  const handlers: Record<string, unknown> = {};
  for (const method of Object.keys(methods) as MethodName[]) {
    handlers[method] = (params: never) => {
      const target = (inner?.handlers ?? lockedHandlers)[method] as (p: never) => Promise<unknown>;
      return target(params);
    };
  }
  return {
    handlers: handlers as Handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      try {
        const engine = inner ?? (opening ? await opening.catch(() => null) : null);
        await engine?.close();
      } finally {
        listeners.clear();
        unregister();
      }
    },
  };
}
