/**
 * The engine's side of the audit log: who and where every entry is about, intent before a device
 * is touched and result after, and failing closed. When an entry cannot be written the action is
 * refused with `audit_unavailable`: Fieldline does not touch a gateway without a record of it.
 */
import { ApiError } from '../api/contract.js';
import type { AuditLog, EntryDraft } from '../audit/audit-log.js';
import type { JsonValue } from '../audit/canonical.js';
import type { AuditEntry, EntryResult } from '../audit/entry.js';

export type JsonParams = Record<string, JsonValue>;

export interface AuditWho {
  technician(): { keyId: string; name: string } | null;
  site(): string | null;
}

export interface AuditError {
  readonly code: string;
  readonly message: string;
}

const UNAVAILABLE_FIX =
  'Free disk space or fix the data folder’s permissions, then try again. Fieldline refuses to act on gateways while it cannot keep the audit record.';

export class AuditRecorder {
  constructor(
    readonly log: AuditLog,
    private readonly who: AuditWho,
    private readonly onAppend: (entry: AuditEntry) => void,
  ) {}

  /** Before a device is touched; throws `audit_unavailable` so the caller never acts unrecorded. */
  intent(action: string, device: string | null, params: JsonParams = {}): AuditEntry {
    return this.write(() => this.log.intent(this.draft(action, device, params)));
  }

  result(intent: AuditEntry, result: EntryResult, params: JsonParams = {}, error: AuditError | null = null): AuditEntry {
    return this.write(() => this.log.result(intent, result, params, error));
  }

  /** A stand-alone fact: a laptop-only action, or something seen (a gateway found). */
  event(
    action: string,
    device: string | null,
    params: JsonParams = {},
    result: EntryResult = 'ok',
    error: AuditError | null = null,
  ): AuditEntry {
    return this.write(() => this.log.event({ ...this.draft(action, device, params), result, error }));
  }

  /**
   * Intent, then `run`, then its result (ok, or failed/cancelled with the error). When the intent
   * cannot be written `run` never starts.
   */
  async around<T>(action: string, device: string | null, params: JsonParams, run: () => Promise<T>, summarise?: Summarise<T>): Promise<T> {
    const intent = this.intent(action, device, params);
    return settle(run, summarise, (result, outcome, error) =>
      this.result(intent, result, { ...(outcome.device ? { device: outcome.device } : {}), ...(outcome.params ?? {}) }, error),
    );
  }

  /** A laptop-only action: one entry after it, saying how it went. */
  async after<T>(action: string, device: string | null, params: JsonParams, run: () => Promise<T>, summarise?: Summarise<T>): Promise<T> {
    return settle(run, summarise, (result, outcome, error) =>
      this.event(action, outcome.device ?? device, { ...params, ...(outcome.params ?? {}) }, result, error),
    );
  }

  private draft(action: string, device: string | null, params: JsonParams): EntryDraft {
    return { action, device, params, technician: this.who.technician(), site: this.who.site() };
  }

  private write(append: () => AuditEntry): AuditEntry {
    let entry: AuditEntry;
    try {
      entry = append();
    } catch (err) {
      if ((err as { code?: unknown }).code === 'audit_unavailable')
        throw new ApiError('audit_unavailable', (err as Error).message, UNAVAILABLE_FIX);
      throw err;
    }
    this.onAppend(entry);
    return entry;
  }
}

type Summarise<T> = (value: T) => Outcome;
interface Outcome {
  params?: JsonParams;
  device?: string | null;
}

/** Runs `run` and records how it went: ok with its summary, or the error it threw (rethrown). */
async function settle<T>(
  run: () => Promise<T>,
  summarise: Summarise<T> | undefined,
  record: (result: EntryResult, outcome: Outcome, error: AuditError | null) => void,
): Promise<T> {
  let value: T;
  try {
    value = await run();
  } catch (err) {
    record(resultOfError(err), {}, errorOf(err));
    throw err;
  }
  record('ok', summarise?.(value) ?? {}, null);
  return value;
}

export function errorOf(err: unknown): AuditError {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  return { code: code.slice(0, 64), message: message.slice(0, 2000) };
}

function resultOfError(err: unknown): EntryResult {
  const code = (err as { code?: unknown })?.code;
  if (code === 'cancelled' || code === 'aborted') return 'cancelled';
  if (code === 'audit_unavailable') return 'refused';
  return 'failed';
}

/** Drops `undefined` (JSON has none) so optional params can be recorded as given. */
export function jsonParams(value: Record<string, unknown>): JsonParams {
  const out: JsonParams = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[key] = toJson(v);
  }
  return out;
}

function toJson(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') return jsonParams(value as Record<string, unknown>);
  return String(value);
}
