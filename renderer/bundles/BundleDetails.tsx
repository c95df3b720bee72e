/**
 * The open bundle: the verdict, every check, who signed it, what it carries, and its manifest.
 */
import { useState } from 'react';
import type { BundleDetail } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { BundleGateways } from './BundleGateways.js';
import { removeBundle } from './bundles-service.js';
import { CHECK_ICONS, CHECK_WORDS, exactBytes, formatSize } from './format.js';
import { ManifestView, PayloadList } from './ManifestView.js';
import { useBundlesStore, type Load } from './store.js';

function Verdict({ detail }: { detail: BundleDetail }): React.ReactElement {
  const b = detail.bundle;
  if (b.status === 'verified')
    return (
      <div className="notice notice--ok" data-testid="bundle-verdict" data-status="verified">
        <p className="notice__title">
          <span aria-hidden="true">✓ </span>Verified — signed by trusted keys, every payload matches its signed hash.
        </p>
        {b.warnings > 0 ? <p>{b.warnings === 1 ? 'One check' : `${b.warnings} checks`} raised a warning; see below.</p> : null}
      </div>
    );
  return (
    <div className="notice notice--error" data-testid="bundle-verdict" data-status="refused">
      <p className="notice__title">
        <span aria-hidden="true">✗ </span>Refused: this bundle will not be sent to any gateway.
      </p>
      {b.reason === null ? null : (
        <>
          <p data-testid="bundle-verdict-reason">{b.reason.message}</p>
          <p className="notice__code">
            Code for support: <code>{b.reason.code}</code>
          </p>
        </>
      )}
    </div>
  );
}

function Checks({ detail }: { detail: BundleDetail }): React.ReactElement {
  return (
    <ol className="check-list" data-testid="bundle-checks">
      {detail.checks.map((c, i) => (
        <li
          key={`${c.id}-${c.subject ?? ''}-${i}`}
          className={`check check--${c.status}`}
          data-testid="bundle-check"
          data-status={c.status}
        >
          <span className="check__icon" role="img" aria-label={CHECK_WORDS[c.status]}>
            {CHECK_ICONS[c.status]}
          </span>
          <span className="check__text">
            {c.message}
            {c.code === undefined ? null : <code className="check__code">{c.code}</code>}
          </span>
        </li>
      ))}
    </ol>
  );
}

function Signers({ detail }: { detail: BundleDetail }): React.ReactElement {
  if (detail.bundle.signers.length === 0) return <p className="muted">The manifest carries no signature.</p>;
  return (
    <ul className="plain-list signer-list" data-testid="bundle-signers">
      {detail.bundle.signers.map((s) => (
        <li key={s.keyId} className="signer">
          <p>
            <span className={s.counted ? 'signer__ok' : 'signer__no'} role="img" aria-label={s.counted ? 'Counts' : 'Does not count'}>
              {s.counted ? '✓' : '✗'}
            </span>{' '}
            <strong>{s.name ?? 'Unknown key'}</strong> — {s.message}
            {s.counted ? null : <code className="check__code">{s.status}</code>}
          </p>
          <CopyableValue value={s.keyId} label={`key id of ${s.name ?? 'the signer'}`} testId="signer-key-id" />
        </li>
      ))}
    </ul>
  );
}

function RemoveControl({ detail, action }: { detail: BundleDetail; action: Load<true> }): React.ReactElement {
  const [confirming, setConfirming] = useState(false);
  const b = detail.bundle;
  if (!confirming)
    return (
      <button type="button" className="button" onClick={() => setConfirming(true)} data-testid="bundle-remove">
        Remove from library…
      </button>
    );
  return (
    <div className="confirm" role="group" aria-label="Confirm removal">
      <p>
        Delete the library copy of <strong>{b.name ?? b.fileName}</strong> ({formatSize(b.size)})? The file you imported it from is not
        touched.
      </p>
      <div className="form-actions">
        <button
          type="button"
          className="button button--primary"
          disabled={action.status === 'loading'}
          onClick={() => void removeBundle(b.id)}
          data-testid="bundle-remove-confirm"
        >
          Remove
        </button>
        <button type="button" className="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
      {action.status === 'error' ? <ErrorNotice error={action.error} title="The bundle could not be removed" /> : null}
    </div>
  );
}

export function BundleDetails({ onClose }: { onClose(): void }): React.ReactElement {
  const detail = useBundlesStore((s) => s.detail);
  const removeAction = useBundlesStore((s) => s.removeAction);
  const title =
    detail.status === 'ready'
      ? `${detail.value.bundle.name ?? detail.value.bundle.fileName}${detail.value.bundle.version ? ` ${detail.value.bundle.version}` : ''}`
      : 'Bundle';
  return (
    <aside className="side-panel" id="bundle-details" aria-labelledby="bundle-details-heading" data-testid="bundle-details">
      <header className="side-panel__header">
        <h2 id="bundle-details-heading">{title}</h2>
        <button type="button" className="button button--small" onClick={onClose} data-testid="bundle-details-close">
          Close
        </button>
      </header>
      <div className="side-panel__body">
        {detail.status === 'loading' || detail.status === 'idle' ? <p className="muted">Reading the verification report…</p> : null}
        {detail.status === 'error' ? (
          <ErrorNotice error={detail.error} title="The report could not be read" testId="bundle-detail-error" />
        ) : null}
        {detail.status === 'ready' ? (
          <>
            <section className="panel-section">
              <Verdict detail={detail.value} />
            </section>
            <section className="panel-section" aria-labelledby="bundle-checks-heading">
              <h3 id="bundle-checks-heading">Checks</h3>
              <Checks detail={detail.value} />
            </section>
            <section className="panel-section" aria-labelledby="bundle-gateways-heading">
              <h3 id="bundle-gateways-heading">Gateways</h3>
              <BundleGateways detail={detail.value} />
            </section>
            <section className="panel-section" aria-labelledby="bundle-signers-heading">
              <h3 id="bundle-signers-heading">Signers</h3>
              <Signers detail={detail.value} />
            </section>
            {detail.value.manifest === null ? (
              <section className="panel-section">
                <h3>Manifest</h3>
                <p className="muted">The manifest could not be read, so nothing in this file can be trusted or shown.</p>
              </section>
            ) : (
              <>
                <section className="panel-section" aria-labelledby="bundle-payloads-heading">
                  <h3 id="bundle-payloads-heading">Payloads</h3>
                  <PayloadList manifest={detail.value.manifest} />
                </section>
                <section className="panel-section" aria-labelledby="bundle-manifest-heading">
                  <h3 id="bundle-manifest-heading">Manifest</h3>
                  {detail.value.bundle.status === 'refused' ? (
                    <p className="notice notice--hint">This is what the refused file claims about itself; none of it is trusted.</p>
                  ) : null}
                  <ManifestView manifest={detail.value.manifest} json={detail.value.manifestJson} />
                </section>
              </>
            )}
            <section className="panel-section" aria-labelledby="bundle-file-heading">
              <h3 id="bundle-file-heading">File</h3>
              <dl className="fields">
                <dt>Imported as</dt>
                <dd>{detail.value.bundle.fileName}</dd>
                <dt>Size</dt>
                <dd>{exactBytes(detail.value.bundle.size)}</dd>
                <dt>Imported</dt>
                <dd>{new Date(detail.value.bundle.importedAt).toLocaleString()}</dd>
                <dt>Last verified</dt>
                <dd>{new Date(detail.value.bundle.verifiedAt).toLocaleString()}</dd>
              </dl>
              <p className="label">SHA-256 of the whole file</p>
              <CopyableValue value={detail.value.bundle.id} label="SHA-256 of the bundle file" testId="bundle-sha256" />
              <div className="panel-actions">
                <RemoveControl key={detail.value.bundle.id} detail={detail.value} action={removeAction} />
              </div>
            </section>
          </>
        ) : null}
      </div>
    </aside>
  );
}
