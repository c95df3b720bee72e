/**
 * The uploader's state in audit.db (migration 2): its configuration, how far each endpoint has
 * acknowledged the chain, and a row per acknowledged batch. An acknowledgement and the state it
 * moves are written in one transaction, so a crash between them cannot re-send or skip a batch.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Db } from './audit-db.js';
import type { SecretBox } from './secret-box.js';

export type SyncFormat = 'fieldline' | 'otlp';

export interface SyncConfig {
  /** Base URL: `<endpoint>/v1/audit/batches` (fieldline) or `<endpoint>/v1/logs` (otlp). */
  readonly endpoint: string;
  readonly format: SyncFormat;
  readonly batchSize: number;
  readonly token: string | null;
  /** PEM CA file to trust (a receiver with a self-signed or private-CA certificate). */
  readonly caFile: string | null;
  /** PEM client certificate and key files (mutual TLS). */
  readonly certFile: string | null;
  readonly keyFile: string | null;
  /** Per request: a receiver that hangs fails the attempt after this long. */
  readonly timeoutMs: number;
  readonly enabled: boolean;
}

export const DEFAULT_BATCH_SIZE = 500;
export const MAX_BATCH_SIZE = 5000;
export const DEFAULT_TIMEOUT_MS = 30_000;

const DISABLED: SyncConfig = {
  endpoint: '',
  format: 'fieldline',
  batchSize: DEFAULT_BATCH_SIZE,
  token: null,
  caFile: null,
  certFile: null,
  keyFile: null,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  enabled: false,
};

export class SyncConfigError extends Error {
  readonly code = 'audit_sync_config';
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * https anywhere; plain http only to this machine (127.0.0.1, ::1, localhost): over any other
 * network the bearer token and the audit trail would travel in clear. Loopback covers the tests
 * and a receiver or collector running beside the app.
 */
export function checkEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SyncConfigError(`endpoint "${text}" is not a URL (expected e.g. https://audit.example.com)`);
  }
  if (url.username || url.password) throw new SyncConfigError('endpoint: put credentials in --token, not in the URL');
  if (url.search || url.hash) throw new SyncConfigError('endpoint: a base URL has no ?query or #fragment');
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:') {
    const loopback = LOOPBACK_NAMES.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
    if (!loopback)
      throw new SyncConfigError(
        `endpoint ${url.origin}: plain http is allowed only to this machine (127.0.0.1, ::1, localhost); use https`,
      );
  } else if (url.protocol !== 'https:') throw new SyncConfigError(`endpoint: ${url.protocol} is not supported; use https`);
  return url.href.replace(/\/+$/, '');
}

export interface ConfigPatch {
  readonly endpoint?: string;
  readonly format?: SyncFormat;
  readonly batchSize?: number;
  readonly token?: string | null;
  readonly caFile?: string | null;
  readonly certFile?: string | null;
  readonly keyFile?: string | null;
  readonly timeoutMs?: number;
  readonly enabled?: boolean;
}

export interface EndpointState {
  readonly ackedSeq: number;
  readonly ackedHash: string | null;
  readonly lastSuccess: number | null;
  readonly lastError: { readonly message: string; readonly at: number } | null;
  readonly failures: number;
  readonly nextAttempt: number | null;
}

interface ConfigRow {
  endpoint: string;
  format: SyncFormat;
  batch_size: number;
  token: string | null;
  ca_file: string | null;
  cert_file: string | null;
  key_file: string | null;
  timeout_ms: number;
  enabled: number;
}

interface StateRow {
  acked_seq: number;
  acked_hash: string | null;
  last_success: number | null;
  last_error: string | null;
  last_error_at: number | null;
  failures: number;
  next_attempt: number | null;
}

export interface AckedBatch {
  readonly first: number;
  readonly last: number;
  readonly lastHash: string;
  readonly key: string;
  readonly format: SyncFormat;
  readonly accepted: number;
  readonly duplicates: number;
}

export class SyncStateStore {
  readonly #db: Db;
  readonly #secrets: SecretBox | null;
  /** With `secrets` the token is sealed at rest and opened when read; without, it stays as stored. */
  constructor(db: Db, secrets: SecretBox | null = null) {
    this.#db = db;
    this.#secrets = secrets;
  }

  config(): SyncConfig | null {
    const row = this.#db.prepare('SELECT * FROM audit_sync_config WHERE singleton = 1').get() as ConfigRow | undefined;
    if (!row) return null;
    return {
      endpoint: row.endpoint,
      format: row.format,
      batchSize: row.batch_size,
      token: row.token === null || !this.#secrets ? row.token : this.#secrets.open(row.token),
      caFile: row.ca_file,
      certFile: row.cert_file,
      keyFile: row.key_file,
      timeoutMs: row.timeout_ms,
      enabled: row.enabled === 1,
    };
  }

  /** Merges `patch` into the stored configuration (an endpoint is needed the first time). */
  configure(patch: ConfigPatch, now = Date.now()): SyncConfig {
    const current = this.config();
    if (!current && patch.endpoint === undefined && patch.enabled === false) return DISABLED; // nothing to turn off
    const endpoint = patch.endpoint !== undefined ? checkEndpoint(patch.endpoint) : current?.endpoint;
    if (!endpoint) throw new SyncConfigError('no endpoint configured: give one (e.g. --endpoint https://audit.example.com)');
    const next: SyncConfig = {
      endpoint,
      format: patch.format ?? current?.format ?? 'fieldline',
      batchSize: patch.batchSize ?? current?.batchSize ?? DEFAULT_BATCH_SIZE,
      token: patch.token !== undefined ? patch.token : (current?.token ?? null),
      caFile: patch.caFile !== undefined ? patch.caFile : (current?.caFile ?? null),
      certFile: patch.certFile !== undefined ? patch.certFile : (current?.certFile ?? null),
      keyFile: patch.keyFile !== undefined ? patch.keyFile : (current?.keyFile ?? null),
      timeoutMs: patch.timeoutMs ?? current?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      enabled: patch.enabled ?? current?.enabled ?? true,
    };
    validate(next);
    this.#db
      .prepare(
        `INSERT INTO audit_sync_config (singleton, endpoint, format, batch_size, token, ca_file, cert_file, key_file, timeout_ms, enabled, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET endpoint = excluded.endpoint, format = excluded.format, batch_size = excluded.batch_size,
           token = excluded.token, ca_file = excluded.ca_file, cert_file = excluded.cert_file, key_file = excluded.key_file,
           timeout_ms = excluded.timeout_ms, enabled = excluded.enabled, updated_at = excluded.updated_at`,
      )
      .run(
        next.endpoint,
        next.format,
        next.batchSize,
        next.token === null || !this.#secrets ? next.token : this.#secrets.seal(next.token),
        next.caFile,
        next.certFile,
        next.keyFile,
        next.timeoutMs,
        next.enabled ? 1 : 0,
        now,
      );
    return next;
  }

  state(endpoint: string): EndpointState {
    const row = this.#db.prepare('SELECT * FROM audit_sync_state WHERE endpoint = ?').get(endpoint) as StateRow | undefined;
    if (!row) return { ackedSeq: 0, ackedHash: null, lastSuccess: null, lastError: null, failures: 0, nextAttempt: null };
    return {
      ackedSeq: row.acked_seq,
      ackedHash: row.acked_hash,
      lastSuccess: row.last_success,
      lastError: row.last_error !== null ? { message: row.last_error, at: row.last_error_at ?? 0 } : null,
      failures: row.failures,
      nextAttempt: row.next_attempt,
    };
  }

  /** The receiver stored the batch: record it and move acked_seq, in one transaction. */
  recordAck(endpoint: string, batch: AckedBatch, now = Date.now()): void {
    this.#db
      .transaction(() => {
        this.#db
          .prepare(
            'INSERT INTO audit_batches (endpoint, first, last, idempotency_key, format, acked_at, accepted, duplicates) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(endpoint, batch.first, batch.last, batch.key, batch.format, now, batch.accepted, batch.duplicates);
        this.#upsert(endpoint, now);
        this.#db
          .prepare(
            'UPDATE audit_sync_state SET acked_seq = ?, acked_hash = ?, last_success = ?, failures = 0, next_attempt = NULL, updated_at = ? WHERE endpoint = ? AND acked_seq < ?',
          )
          .run(batch.last, batch.lastHash, now, now, endpoint, batch.last);
      })
      .immediate();
  }

  /** A probe or sync with nothing to send succeeded. */
  recordSuccess(endpoint: string, now = Date.now()): void {
    this.#upsert(endpoint, now);
    this.#db
      .prepare('UPDATE audit_sync_state SET last_success = ?, failures = 0, next_attempt = NULL, updated_at = ? WHERE endpoint = ?')
      .run(now, now, endpoint);
  }

  /** Counts a failed attempt; returns how many failed in a row (what the backoff grows with). */
  recordFailure(endpoint: string, message: string, now = Date.now()): number {
    return this.#db.transaction(() => {
      this.#upsert(endpoint, now);
      this.#db
        .prepare(
          'UPDATE audit_sync_state SET last_error = ?, last_error_at = ?, failures = failures + 1, updated_at = ? WHERE endpoint = ?',
        )
        .run(message, now, now, endpoint);
      return this.state(endpoint).failures;
    })();
  }

  setNextAttempt(endpoint: string, at: number | null, now = Date.now()): void {
    this.#upsert(endpoint, now);
    this.#db.prepare('UPDATE audit_sync_state SET next_attempt = ?, updated_at = ? WHERE endpoint = ?').run(at, now, endpoint);
  }

  /** Resume from what the receiver says it holds (after a 409 or a reported gap); never touches entries. */
  resumeFrom(endpoint: string, seq: number, hash: string | null, now = Date.now()): void {
    this.#upsert(endpoint, now);
    this.#db
      .prepare('UPDATE audit_sync_state SET acked_seq = ?, acked_hash = ?, updated_at = ? WHERE endpoint = ?')
      .run(seq, hash, now, endpoint);
  }

  #upsert(endpoint: string, now: number): void {
    this.#db.prepare('INSERT OR IGNORE INTO audit_sync_state (endpoint, updated_at) VALUES (?, ?)').run(endpoint, now);
  }
}

function validate(config: SyncConfig): void {
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1 || config.batchSize > MAX_BATCH_SIZE)
    throw new SyncConfigError(`batch size must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${config.batchSize}`);
  if (!Number.isInteger(config.timeoutMs) || config.timeoutMs < 1)
    throw new SyncConfigError(`timeout must be a positive number of ms, got ${config.timeoutMs}`);
  if ((config.certFile === null) !== (config.keyFile === null))
    throw new SyncConfigError('a client certificate needs both a certificate file and its key file');
  if (config.token !== null && !/^[\x21-\x7e]+$/.test(config.token))
    throw new SyncConfigError('the token must be printable ASCII without spaces');
  if ((config.caFile || config.certFile) && !config.endpoint.startsWith('https:'))
    throw new SyncConfigError('a CA file or client certificate needs an https endpoint');
  for (const [what, file] of [
    ['CA file', config.caFile],
    ['client certificate', config.certFile],
    ['client key', config.keyFile],
  ] as const) {
    if (file === null) continue;
    try {
      readFileSync(file);
    } catch (err) {
      throw new SyncConfigError(`${what} ${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
