/**
 * The engine is locked: the technician types the passphrase that seals the keys. Says why a
 * passphrase is asked (e.g. no system keyring), and a wrong passphrase plainly.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { KeyStatus } from '../../core/api/schemas.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { PassphraseField } from './PassphraseField.js';
import { retryText } from './passphrase-rules.js';
import { unlock } from './secrets-service.js';
import { useSecretsStore } from './store.js';

export function UnlockScreen({ status }: { status: KeyStatus }): React.ReactElement {
  const busy = useSecretsStore((s) => s.busy);
  const error = useSecretsStore((s) => s.error);
  const [passphrase, setPassphrase] = useState('');
  const [missing, setMissing] = useState(false);
  const wait = retryText(status.retryAfterMs);
  const input = useRef<HTMLInputElement>(null);
  // After a wrong try the field keeps what was typed (Show reveals it) and gets the focus back.
  useEffect(() => {
    if (error !== null) input.current?.select();
  }, [error]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (passphrase === '') {
      setMissing(true);
      return;
    }
    setMissing(false);
    void unlock(passphrase);
  };

  return (
    <main className="first-run" data-testid="unlock-screen">
      <div className="first-run__card">
        <h1>Unlock Fieldline</h1>
        {status.reason === null ? null : (
          <p className="lead" data-testid="keys-reason">
            {status.reason}
          </p>
        )}
        <p>{status.message}</p>
        <form className="form" onSubmit={submit} noValidate data-testid="unlock-form">
          <PassphraseField
            label="Passphrase"
            value={passphrase}
            onChange={setPassphrase}
            autoComplete="current-password"
            autoFocus
            testId="passphrase-input"
            inputRef={input}
          />
          {missing ? (
            <p className="form__problem" role="alert">
              Type your passphrase: it is the one you chose when Fieldline first sealed your keys.
            </p>
          ) : null}
          {error === null ? null : (
            <ErrorNotice
              error={error}
              title={error.code === 'wrong_passphrase' ? 'Wrong passphrase' : 'Your keys stay locked'}
              testId="unlock-error"
            />
          )}
          {wait === null ? null : (
            <p className="muted" data-testid="unlock-wait">
              {wait}
            </p>
          )}
          <button type="submit" className="button button--primary" disabled={busy} data-testid="unlock-submit">
            {busy ? 'Unlocking…' : 'Unlock'}
          </button>
        </form>
      </div>
    </main>
  );
}
