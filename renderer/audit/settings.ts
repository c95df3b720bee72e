/**
 * The upload settings form → `audit.configure` params: only what the technician changed. Pure,
 * unit-tested.
 *
 * Sending unchanged fields is not harmless: the engine checks the upload settings as a whole
 * (a format with no endpoint is refused), so a site-name change must not resend them.
 */
import type { AuditStatus } from '../../core/api/audit-schemas.js';
import type { ParamsOf } from '../../core/api/contract.js';

export interface SyncSettings {
  /** '' turns upload off. */
  readonly endpoint: string;
  /** '' keeps the saved token (it is never sent back to the page). */
  readonly token: string;
  readonly removeToken: boolean;
  readonly format: 'fieldline' | 'otlp';
  /** '' keeps the saved size: the status does not report it. */
  readonly batchSize: string;
  /** '' records no site. */
  readonly site: string;
}

export type ConfigureParams = ParamsOf<'audit.configure'>;

export type SettingsCheck = { readonly ok: true; readonly params: ConfigureParams } | { readonly ok: false; readonly message: string };

export function settingsFromStatus(status: AuditStatus): SyncSettings {
  return {
    endpoint: status.sync.endpoint ?? '',
    token: '',
    removeToken: false,
    format: status.sync.format,
    batchSize: '',
    site: status.site ?? '',
  };
}

/** '' keeps the saved size; undefined is not a whole number. */
export function parseBatchSize(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return /^\d+$/.test(t) && Number.isSafeInteger(n) ? n : undefined;
}

export function settingsPatch(form: SyncSettings, status: AuditStatus): SettingsCheck {
  const batch = parseBatchSize(form.batchSize);
  if (batch === undefined) return { ok: false, message: 'Give the batch size as a whole number of entries, e.g. 500.' };
  const endpoint = form.endpoint.trim() === '' ? null : form.endpoint.trim();
  const site = form.site.trim() === '' ? null : form.site.trim();
  const params: ConfigureParams = {
    ...(endpoint === status.sync.endpoint ? {} : { endpoint }),
    ...(form.removeToken ? { token: null } : form.token === '' ? {} : { token: form.token }),
    ...(form.format === status.sync.format ? {} : { format: form.format }),
    ...(batch === null ? {} : { batchSize: batch }),
    ...(site === status.site ? {} : { site }),
  };
  return { ok: true, params };
}

export function isEmptyPatch(params: ConfigureParams): boolean {
  return Object.keys(params).length === 0;
}
