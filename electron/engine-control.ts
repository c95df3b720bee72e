/**
 * Control messages between the main process and the engine's utility process.
 *
 * This is not the API: API calls travel on the MessagePort handed to each renderer. The
 * control channel only connects ports, reports readiness and asks for a clean shutdown.
 */

/** Main → engine. `connect` carries one MessagePort (the engine's end of a renderer link). */
export type ToEngine =
  | { readonly type: 'connect'; readonly connection: number }
  | { readonly type: 'shutdown' }
  /** The audit key, unsealed by main with the OS keychain: sent once, before the engine starts. */
  | { readonly type: 'audit-key'; readonly pem: string };

/** Engine → main. */
export type FromEngine = { readonly type: 'ready' } | { readonly type: 'fatal'; readonly message: string };

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function parseToEngine(value: unknown): ToEngine | null {
  switch (field(value, 'type')) {
    case 'connect': {
      const connection = field(value, 'connection');
      return typeof connection === 'number' && Number.isInteger(connection) ? { type: 'connect', connection } : null;
    }
    case 'shutdown':
      return { type: 'shutdown' };
    case 'audit-key': {
      const pem = field(value, 'pem');
      return typeof pem === 'string' && pem.includes('PRIVATE KEY') ? { type: 'audit-key', pem } : null;
    }
    default:
      return null;
  }
}

export function parseFromEngine(value: unknown): FromEngine | null {
  switch (field(value, 'type')) {
    case 'ready':
      return { type: 'ready' };
    case 'fatal': {
      const message = field(value, 'message');
      return { type: 'fatal', message: typeof message === 'string' ? message : 'the engine failed without a message' };
    }
    default:
      return null;
  }
}
