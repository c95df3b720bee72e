/**
 * Turns a generic `call(method, params)` into the typed `FieldlineApi` surface.
 *
 * `api.devices.list()` becomes `call('devices.list', {})`, so a method added to the contract is
 * usable at once without touching the client. Pure (no DOM) for the unit tests.
 */
import type { EventName, EventOf, FieldlineApi } from '../../core/api/contract.js';

export type CallFn = (method: string, params: unknown) => Promise<unknown>;
export type OnFn = <E extends EventName>(event: E, listener: (data: EventOf<E>) => void) => () => void;

export function createApiProxy(call: CallFn, on: OnFn): FieldlineApi {
  const namespaces = new Map<string, object>();
  const namespace = (ns: string): object => {
    let proxy = namespaces.get(ns);
    if (proxy === undefined) {
      proxy = new Proxy(
        {},
        {
          get(_target, name) {
            // Symbols and `then` must stay undefined so the proxy is never mistaken for a promise.
            if (typeof name !== 'string' || name === 'then') return undefined;
            return (params?: unknown) => call(`${ns}.${name}`, params ?? {});
          },
        },
      );
      namespaces.set(ns, proxy);
    }
    return proxy;
  };
  const root = new Proxy(
    {},
    {
      get(_target, key) {
        if (key === 'on') return on;
        if (typeof key !== 'string' || key === 'then') return undefined;
        return namespace(key);
      },
    },
  );
  return root as FieldlineApi;
}
