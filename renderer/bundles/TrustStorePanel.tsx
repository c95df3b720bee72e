/**
 * The trust store: which signing keys this laptop accepts, for what, and until when.
 *
 * Every change here verifies the whole library again, so the table answers at once.
 */
import { useState } from 'react';
import type { TrustKey, TrustRole } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useNow } from '../shared/clock.js';
import { importTrustKey, removeTrustKey, revokeTrustKey } from './bundles-service.js';
import { KIND_LABELS, ROLE_LABELS, keyState } from './format.js';
import { useBundlesStore } from './store.js';

const ROLES: readonly TrustRole[] = ['image-signer', 'model-signer'];

function KeyActions({ trustKey }: { trustKey: TrustKey }): React.ReactElement {
  const [mode, setMode] = useState<'none' | 'revoke' | 'remove'>('none');
  const [reason, setReason] = useState('');
  const busy = useBundlesStore((s) => s.trustAction.status === 'loading');
  if (mode === 'revoke')
    return (
      <form
        className="key-action"
        onSubmit={(event) => {
          event.preventDefault();
          void revokeTrustKey(trustKey.keyId, reason).then((ok) => (ok ? setMode('none') : undefined));
        }}
      >
        <label className="field">
          <span className="field__label">Why is {trustKey.name} revoked?</span>
          <input value={reason} onChange={(e) => setReason(e.target.value)} required autoFocus data-testid="trust-revoke-reason" />
        </label>
        <p className="muted">Bundles signed with this key are refused from now on; the key stays listed as revoked.</p>
        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={busy} data-testid="trust-revoke-confirm">
            Revoke key
          </button>
          <button type="button" className="button" onClick={() => setMode('none')}>
            Cancel
          </button>
        </div>
      </form>
    );
  if (mode === 'remove')
    return (
      <div className="key-action" role="group" aria-label={`Remove ${trustKey.name}`}>
        <p>
          Remove <strong>{trustKey.name}</strong> from the trust store? Bundles it signed are refused as signed by an unknown key. To keep a
          record that it must never be trusted again, revoke it instead.
        </p>
        <div className="form-actions">
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            onClick={() => void removeTrustKey(trustKey.keyId)}
            data-testid="trust-remove-confirm"
          >
            Remove key
          </button>
          <button type="button" className="button" onClick={() => setMode('none')}>
            Cancel
          </button>
        </div>
      </div>
    );
  return (
    <div className="form-actions">
      {trustKey.revokedAt === null ? (
        <button type="button" className="button button--small" onClick={() => setMode('revoke')} data-testid="trust-revoke">
          Revoke…
        </button>
      ) : null}
      <button type="button" className="button button--small" onClick={() => setMode('remove')} data-testid="trust-remove">
        Remove…
      </button>
    </div>
  );
}

function KeyCard({ trustKey, now }: { trustKey: TrustKey; now: number }): React.ReactElement {
  const state = keyState(trustKey, now);
  return (
    <li className={`trust-key trust-key--${state.state}`} data-testid="trust-key" data-key-id={trustKey.keyId} data-state={state.state}>
      <div className="trust-key__head">
        <strong>{trustKey.name}</strong>
        {trustKey.source === 'demo-root' ? (
          <span className="tag tag--demo" data-testid="trust-key-demo" title="Demo keys are public: never trust them in production">
            DEMO root · not for production
          </span>
        ) : (
          <span className="tag">Imported</span>
        )}
      </div>
      <div className="chips">
        {trustKey.roles.map((r) => (
          <span key={r} className="chip">
            {ROLE_LABELS[r]}
          </span>
        ))}
      </div>
      <p className={`trust-key__state trust-key__state--${state.state}`} data-testid="trust-key-state">
        {state.text}
      </p>
      <CopyableValue value={trustKey.keyId} label={`key id of ${trustKey.name}`} testId="trust-key-id" />
      <KeyActions trustKey={trustKey} />
    </li>
  );
}

function ImportKeyForm(): React.ReactElement {
  const [publicKey, setPublicKey] = useState('');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<readonly TrustRole[]>(['image-signer']);
  const [expires, setExpires] = useState('');
  const action = useBundlesStore((s) => s.trustAction);
  return (
    <form
      className="form trust-import"
      data-testid="trust-import-form"
      onSubmit={(event) => {
        event.preventDefault();
        void importTrustKey({ publicKey, name, roles, expires }).then((ok) => {
          if (!ok) return;
          setPublicKey('');
          setName('');
          setExpires('');
        });
      }}
    >
      <label className="field">
        <span className="field__label">Public key (64 hex digits, raw Ed25519)</span>
        <input
          className="mono"
          value={publicKey}
          onChange={(e) => setPublicKey(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          data-testid="trust-import-key"
        />
        <span className="field__help">
          As printed by <code>fieldline bundle keygen</code>.
        </span>
      </label>
      <label className="field">
        <span className="field__label">Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} data-testid="trust-import-name" />
      </label>
      <fieldset className="fieldset">
        <legend>May sign</legend>
        {ROLES.map((r) => (
          <label key={r} className="choice__label">
            <input
              type="checkbox"
              checked={roles.includes(r)}
              onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
            />
            {ROLE_LABELS[r]} {r === 'image-signer' ? '(OS images, firmware)' : '(AI models)'}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span className="field__label">Expires (optional)</span>
        <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} data-testid="trust-import-expires" />
      </label>
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={action.status === 'loading'} data-testid="trust-import-submit">
          Add key
        </button>
      </div>
    </form>
  );
}

export function TrustStorePanel({ onClose }: { onClose(): void }): React.ReactElement {
  const trust = useBundlesStore((s) => s.trust);
  const action = useBundlesStore((s) => s.trustAction);
  const now = useNow();
  const [adding, setAdding] = useState(false);
  return (
    <aside className="side-panel" id="trust-store" aria-labelledby="trust-store-heading" data-testid="trust-store">
      <header className="side-panel__header">
        <h2 id="trust-store-heading">Trust store</h2>
        <button type="button" className="button button--small" onClick={onClose} data-testid="trust-store-close">
          Close
        </button>
      </header>
      <div className="side-panel__body">
        <p className="muted">
          Bundles are accepted only when signed by enough of these keys, in the right role. Any change here verifies every bundle in the
          library again.
        </p>
        {action.status === 'error' ? (
          <ErrorNotice error={action.error} title="The trust store was not changed" testId="trust-action-error" />
        ) : null}
        {trust.status === 'error' ? <ErrorNotice error={trust.error} title="The trust store could not be read" /> : null}
        {trust.status === 'ready' ? (
          <>
            <p data-testid="trust-thresholds">
              Signatures required:{' '}
              {(Object.keys(KIND_LABELS) as (keyof typeof KIND_LABELS)[])
                .map((k) => `${KIND_LABELS[k]} ${trust.value.thresholds[k] ?? 1}`)
                .join(' · ')}
            </p>
            <ul className="plain-list trust-keys" data-testid="trust-keys">
              {trust.value.keys.map((k) => (
                <KeyCard key={k.keyId} trustKey={k} now={now} />
              ))}
            </ul>
          </>
        ) : trust.status === 'error' ? null : (
          <p className="muted">Reading the trust store…</p>
        )}
        <section className="panel-section">
          {adding ? (
            <>
              <h3>Add an organisation key</h3>
              <ImportKeyForm />
              <button type="button" className="button" onClick={() => setAdding(false)}>
                Done
              </button>
            </>
          ) : (
            <button type="button" className="button" onClick={() => setAdding(true)} data-testid="trust-add">
              Add a key…
            </button>
          )}
        </section>
      </div>
    </aside>
  );
}
