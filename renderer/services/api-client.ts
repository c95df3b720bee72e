/**
 * Where the renderer gets its API from.
 *
 * Electron's preload puts a ready `window.fieldline` on the page; in a browser served by
 * `fieldline serve` we build the same surface over a WebSocket. Only the per-feature services
 * use this module — components never call the API themselves.
 */
import type { FieldlineApi } from '../../core/api/contract.js';
import { createApiProxy } from './api-proxy.js';
import type { LinkStatus } from './link-status.js';
import { WsTransport } from './ws-transport.js';

declare global {
  interface Window {
    fieldline?: FieldlineApi;
    /** Electron only: the path of a file the user picked or dropped (a web page never learns it). */
    fieldlineFiles?: { pathFor(file: File): string };
  }
}

export interface ApiConnection {
  readonly api: FieldlineApi;
  readonly host: 'electron' | 'web';
  onLinkStatus(listener: (status: LinkStatus) => void): () => void;
}

let connection: ApiConnection | null = null;

function connect(): ApiConnection {
  const preload = window.fieldline;
  if (preload !== undefined) {
    // The engine lives in the same app; there is no link that can drop.
    return { api: preload, host: 'electron', onLinkStatus: (listener) => (listener({ state: 'open', failures: 0 }), () => {}) };
  }
  const transport = new WsTransport();
  return {
    api: createApiProxy(
      (method, params) => transport.call(method, params),
      (event, listener) => transport.on(event, listener),
    ),
    host: 'web',
    onLinkStatus: (listener) => transport.onLinkStatus(listener),
  };
}

export function apiConnection(): ApiConnection {
  connection ??= connect();
  return connection;
}

export function api(): FieldlineApi {
  return apiConnection().api;
}

export type { LinkStatus, LinkState } from './link-status.js';
