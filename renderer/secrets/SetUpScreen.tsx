/**
 * First use in passphrase mode: the technician chooses the passphrase that seals both keys.
 * Keys Fieldline already kept in plain files are sealed with it and the plain copies removed.
 */
import { useState, type FormEvent } from 'react';
import type { KeyStatus } from '../../core/api/schemas.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { PassphraseField } from './PassphraseField.js';
import { setUpProblem } from './passphrase-rules.js';
import { setUpPassphrase } from './secrets-service.js';
import { useSecretsStore } from './store.js';

export function SetUpScreen({ status }: { status: KeyStatus }): React.ReactElement {
  const busy = useSecretsStore((s) => s.busy);
  const error = useSecretsStore((s) => s.error);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const found = setUpProblem(passphrase, confirm, status.minLength);
    setProblem(found);
    if (found === null) void setUpPassphrase(passphrase);
  };

  return (
    <main className="first-run" data-testid="passphrase-setup">
      <div className="first-run__card">
        <h1>Choose a passphrase</h1>
        {status.reason === null ? null : (
          <p className="lead" data-testid="keys-reason">
            {status.reason}
          </p>
        )}
        <p>{status.message}</p>
        <p className="muted">
          Nobody can recover it for you: without it, the keys on this laptop cannot be used. Write it down somewhere safe, away from the
          laptop.
        </p>
        <form className="form" onSubmit={submit} noValidate data-testid="setup-form">
          <PassphraseField
            label={`Passphrase (at least ${status.minLength} characters)`}
            value={passphrase}
            onChange={setPassphrase}
            autoComplete="new-password"
            autoFocus
            testId="setup-passphrase"
          />
          <PassphraseField label="Type it again" value={confirm} onChange={setConfirm} autoComplete="new-password" testId="setup-confirm" />
          {problem === null ? null : (
            <p className="form__problem" role="alert" data-testid="setup-problem">
              {problem}
            </p>
          )}
          {error === null ? null : <ErrorNotice error={error} title="Your keys were not sealed" testId="setup-error" />}
          <button type="submit" className="button button--primary" disabled={busy} data-testid="setup-submit">
            {busy ? 'Sealing your keys…' : 'Seal my keys with this passphrase'}
          </button>
        </form>
      </div>
    </main>
  );
}
