/**
 * The Bundles view: bring bundles in (file picker or drop), see each one's verdict, open its report.
 */
import { useRef, useState } from 'react';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { BundleDetails } from './BundleDetails.js';
import { BundleTable } from './BundleTable.js';
import { closeBundle, dismissImport, importFiles, openBundle } from './bundles-service.js';
import { formatSize } from './format.js';
import { useBundlesStore, type ImportTask } from './store.js';
import { TrustStorePanel } from './TrustStorePanel.js';

function ImportRow({ task }: { task: ImportTask }): React.ReactElement {
  const percent = task.size === 0 ? 100 : Math.min(100, Math.round((task.sent / task.size) * 100));
  return (
    <li className={`import-task import-task--${task.phase}`} data-testid="import-task" data-phase={task.phase}>
      <span className="import-task__name">{task.fileName}</span>
      {task.phase === 'uploading' ? (
        <>
          <progress max={task.size} value={task.sent} aria-label={`Sending ${task.fileName}`} />
          <span>
            {formatSize(task.sent)} of {formatSize(task.size)} ({percent} %)
          </span>
        </>
      ) : task.phase === 'verifying' ? (
        <span>Verifying signatures and every payload hash…</span>
      ) : task.phase === 'done' ? (
        <span>
          Imported: {task.result?.status === 'verified' ? '✓ verified' : `✗ refused (${task.result?.reason?.code ?? 'see details'})`}
        </span>
      ) : null}
      {task.phase === 'done' || task.phase === 'failed' ? (
        <button type="button" className="button button--small" onClick={() => dismissImport(task.key)}>
          Dismiss
        </button>
      ) : null}
      {task.phase === 'failed' && task.error !== undefined ? (
        <ErrorNotice error={task.error} title={`${task.fileName} was not imported`} testId="import-error" />
      ) : null}
    </li>
  );
}

function EmptyLibrary({ onPick }: { onPick(): void }): React.ReactElement {
  return (
    <div className="empty-state" data-testid="bundles-empty">
      <h2>No bundles yet</h2>
      <p>
        Import the <code>.flb</code> bundles you will install today: OS images, firmware and AI models. Fieldline copies each into its
        library and checks its signatures and every file inside before anything can be sent to a gateway.
      </p>
      <p>
        <button type="button" className="button button--primary" onClick={onPick}>
          Choose bundle files…
        </button>{' '}
        or drop them anywhere on this view.
      </p>
    </div>
  );
}

export function BundlesView(): React.ReactElement {
  const bundles = useBundlesStore((s) => s.bundles);
  const listLoad = useBundlesStore((s) => s.listLoad);
  const openId = useBundlesStore((s) => s.openId);
  const imports = useBundlesStore((s) => s.imports);
  const [trustOpen, setTrustOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const trustButton = useRef<HTMLButtonElement>(null);

  const pick = (): void => fileInput.current?.click();
  const takeFiles = (list: FileList | null): void => {
    if (list === null || list.length === 0) return;
    setTrustOpen(false);
    void importFiles(Array.from(list));
  };
  const open = (id: string): void => {
    setTrustOpen(false);
    void openBundle(id);
  };
  const closeSide = (): void => {
    if (trustOpen) {
      setTrustOpen(false);
      trustButton.current?.focus();
    } else if (openId !== null) {
      closeBundle();
      document.querySelector<HTMLElement>(`[data-bundle-id="${openId}"] [data-testid="bundle-open"]`)?.focus();
    }
  };

  const refused = bundles.filter((b) => b.status === 'refused').length;

  return (
    <div
      className={`bundles-view${dragging ? ' is-dragging' : ''}`}
      data-testid="bundles-view"
      onDragEnter={(event) => {
        if (event.dataTransfer.types.includes('Files')) setDragging(true);
      }}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        // Accepting the drag is what lets the drop reach us instead of the browser opening the file.
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        takeFiles(event.dataTransfer.files);
      }}
      onKeyDown={(event) => {
        // Escape in a half-filled field (a revocation reason) must not throw the panel away.
        const field = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
        if (event.key === 'Escape' && !field) closeSide();
      }}
    >
      <div className="bundles-view__main">
        <div className="toolbar">
          <button type="button" className="button button--primary" onClick={pick} data-testid="bundle-import">
            Import bundles…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".flb,application/octet-stream"
            multiple
            hidden
            onChange={(event) => {
              takeFiles(event.target.files);
              // The same file chosen again must still fire a change.
              event.target.value = '';
            }}
            data-testid="bundle-file-input"
          />
          <span className="muted toolbar__hint">or drop .flb files here</span>
          <span className="header__spacer" />
          <button
            ref={trustButton}
            type="button"
            className="button"
            aria-pressed={trustOpen}
            aria-controls="trust-store"
            onClick={() => setTrustOpen(!trustOpen)}
            data-testid="trust-store-toggle"
          >
            Trust store
          </button>
        </div>
        {imports.length > 0 ? (
          <ul className="plain-list import-tasks" aria-live="polite" data-testid="import-tasks">
            {imports.map((t) => (
              <ImportRow key={t.key} task={t} />
            ))}
          </ul>
        ) : null}
        {listLoad.status === 'error' ? (
          <ErrorNotice error={listLoad.error} title="Could not load the bundle library" testId="bundles-load-error" />
        ) : null}
        {listLoad.status === 'ready' && bundles.length === 0 ? <EmptyLibrary onPick={pick} /> : null}
        {listLoad.status !== 'ready' && listLoad.status !== 'error' ? <p className="muted">Loading the bundle library…</p> : null}
        {bundles.length > 0 ? (
          <>
            <p className="list-summary" data-testid="bundle-count">
              {bundles.length} bundle{bundles.length === 1 ? '' : 's'}
              {refused > 0 ? ` · ${refused} refused` : ''}
            </p>
            <BundleTable bundles={bundles} openId={trustOpen ? null : openId} onOpen={open} />
          </>
        ) : null}
        {dragging ? (
          <div className="drop-overlay" aria-hidden="true">
            Drop to import and verify
          </div>
        ) : null}
      </div>
      {trustOpen ? (
        <div className="bundles-view__side">
          <TrustStorePanel onClose={closeSide} />
        </div>
      ) : openId !== null ? (
        <div className="bundles-view__side">
          <BundleDetails onClose={closeSide} />
        </div>
      ) : null}
    </div>
  );
}
