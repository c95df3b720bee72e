/**
 * The upload queue: its state, where it uploads, what waits, when it last worked and when it
 * tries next; "Sync now"; and the upload settings (endpoint, token, format, batch size, site).
 */
import { useState } from 'react';
import type { AuditStatus, SyncStatusShape } from '../../core/api/audit-schemas.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useNow } from '../shared/clock.js';
import { absoluteTime } from '../shared/relative-time.js';
import { dismissSettingsResult, saveSettings, syncNow } from './audit-service.js';
import { countdown, formatCount, since, syncHeadline } from './format.js';
import { parseBatchSize, settingsFromStatus, type SyncSettings } from './settings.js';
import { useAuditStore } from './store.js';

function QueueFacts({ sync }: { sync: SyncStatusShape }): React.ReactElement {
  const now = useNow();
  return (
    <>
      <p className={`audit-sync__headline audit-sync__headline--${sync.state}`} data-testid="audit-sync-state" data-state={sync.state}>
        {syncHeadline(sync, now)}
      </p>
      <dl className="fields">
        <dt>Receiver</dt>
        <dd data-testid="audit-sync-endpoint">
          {sync.endpoint === null ? <span className="muted">none set</span> : <code>{sync.endpoint}</code>}
          {sync.endpoint === null ? null : (
            <span className="muted"> ({sync.format === 'otlp' ? 'OTLP/HTTP JSON' : 'Fieldline batches'})</span>
          )}
        </dd>
        <dt>Waiting</dt>
        <dd data-testid="audit-sync-pending">
          {formatCount(sync.pending)} {sync.pending === 1 ? 'entry' : 'entries'}
          {sync.ackedSeq > 0 ? <span className="muted"> · receiver has up to #{sync.ackedSeq}</span> : null}
        </dd>
        <dt>Last success</dt>
        <dd>{sync.lastSuccess === null ? 'never' : <span title={absoluteTime(sync.lastSuccess)}>{since(now, sync.lastSuccess)}</span>}</dd>
        {sync.nextAttempt === null ? null : (
          <>
            <dt>Next try</dt>
            <dd data-testid="audit-sync-next">{countdown(now, sync.nextAttempt)}</dd>
          </>
        )}
        {sync.lastError === null ? null : (
          <>
            <dt>Last error</dt>
            <dd className="audit-sync__error" data-testid="audit-sync-error">
              {sync.lastError}
            </dd>
          </>
        )}
      </dl>
    </>
  );
}

function SettingsForm({ status }: { status: AuditStatus }): React.ReactElement {
  const configure = useAuditStore((s) => s.configure);
  // The saved token is never sent back to the page: the field only replaces it.
  const [form, setForm] = useState(() => settingsFromStatus(status));
  const batch = parseBatchSize(form.batchSize);
  const edit = (patch: Partial<SyncSettings>): void => {
    setForm((f) => ({ ...f, ...patch }));
    if (configure.status !== 'idle' && configure.status !== 'loading') dismissSettingsResult();
  };
  return (
    <form
      className="form audit-settings"
      aria-label="Upload settings"
      data-testid="audit-settings"
      // The engine checks the URL and says what is wrong with it; the browser's bubble would hide that.
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (batch === undefined) return;
        void saveSettings(form).then((ok) => {
          if (ok) setForm((f) => ({ ...f, token: '', removeToken: false }));
        });
      }}
    >
      <label className="form__field">
        <span>Receiver URL</span>
        <input
          type="url"
          inputMode="url"
          placeholder="https://audit.example.com"
          value={form.endpoint}
          onChange={(e) => edit({ endpoint: e.target.value })}
          data-testid="audit-settings-endpoint"
        />
        <span className="muted audit-settings__hint">Leave empty to keep entries on this laptop only (export them instead).</span>
      </label>
      <label className="form__field">
        <span>Access token</span>
        <input
          type="password"
          autoComplete="off"
          placeholder="unchanged"
          value={form.token}
          disabled={form.removeToken}
          onChange={(e) => edit({ token: e.target.value })}
          data-testid="audit-settings-token"
        />
      </label>
      <label className="audit-settings__check">
        <input type="checkbox" checked={form.removeToken} onChange={(e) => edit({ removeToken: e.target.checked })} />
        Remove the saved token
      </label>
      <label className="form__field">
        <span>Format</span>
        <select
          value={form.format}
          onChange={(e) => edit({ format: e.target.value === 'otlp' ? 'otlp' : 'fieldline' })}
          data-testid="audit-settings-format"
        >
          <option value="fieldline">Fieldline batches (fieldline ingest)</option>
          <option value="otlp">OTLP/HTTP JSON logs (OpenTelemetry Collector)</option>
        </select>
      </label>
      <label className="form__field">
        <span>Batch size (entries per upload)</span>
        <input
          inputMode="numeric"
          placeholder="unchanged (500 unless set)"
          value={form.batchSize}
          onChange={(e) => edit({ batchSize: e.target.value })}
          aria-invalid={batch === undefined}
          data-testid="audit-settings-batch"
        />
        {batch === undefined ? <span className="form__problem">Give a whole number of entries, e.g. 500.</span> : null}
      </label>
      <label className="form__field">
        <span>Site name (recorded with every new entry)</span>
        <input
          value={form.site}
          placeholder="e.g. Plant 4, line 2"
          onChange={(e) => edit({ site: e.target.value })}
          data-testid="audit-settings-site"
        />
      </label>
      <div>
        <button
          type="submit"
          className="button button--primary"
          disabled={batch === undefined || configure.status === 'loading'}
          data-testid="audit-settings-save"
        >
          {configure.status === 'loading' ? 'Saving…' : 'Save upload settings'}
        </button>
      </div>
      {configure.status === 'ready' ? (
        <p className="notice notice--ok" role="status" data-testid="audit-settings-saved">
          {configure.value === 'saved'
            ? 'Saved. The uploader uses them from its next attempt.'
            : 'Nothing changed: there was nothing to save.'}
        </p>
      ) : null}
      {configure.status === 'error' ? (
        <ErrorNotice error={configure.error} title="The settings were not saved" testId="audit-settings-error" />
      ) : null}
    </form>
  );
}

export function SyncPanel(): React.ReactElement {
  const status = useAuditStore((s) => s.status);
  const sync = useAuditStore((s) => s.sync);
  const running = useAuditStore((s) => s.syncNow);
  return (
    <section className="audit-panel" aria-labelledby="audit-sync-title" data-testid="audit-sync-panel">
      <header className="audit-panel__header">
        <h3 id="audit-sync-title">Upload</h3>
        <button
          type="button"
          className="button button--small"
          disabled={sync === null || sync.state === 'disabled' || running.status === 'loading' || sync.state === 'syncing'}
          onClick={() => void syncNow()}
          data-testid="audit-sync-now"
          title={sync?.state === 'disabled' ? 'Set a receiver URL first' : 'Upload what is waiting now, instead of at the next try'}
        >
          {running.status === 'loading' ? 'Syncing…' : 'Sync now'}
        </button>
      </header>
      {status.status === 'error' && sync === null ? (
        <ErrorNotice error={status.error} title="The upload queue could not be read" testId="audit-status-error" />
      ) : null}
      {sync === null && status.status !== 'error' ? <p className="muted">Reading the upload queue…</p> : null}
      {sync === null ? null : <QueueFacts sync={sync} />}
      {running.status === 'error' ? <ErrorNotice error={running.error} title="Sync did not run" testId="audit-sync-now-error" /> : null}
      {status.status === 'ready' ? (
        <details className="audit-settings__disclosure">
          <summary data-testid="audit-settings-toggle">Upload settings</summary>
          <SettingsForm status={status.value} />
        </details>
      ) : null}
    </section>
  );
}
