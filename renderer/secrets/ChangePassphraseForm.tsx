/**
 * Settings › Keys in passphrase mode: change the passphrase that seals both keys. The engine
 * checks the current one (wrong tries count towards the same wait as on the unlock screen) and
 * reseals. What was typed lives only in this form and is cleared once the engine has answered.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { KeyStatus } from '../../core/api/schemas.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useNow } from '../shared/clock.js';
import { PassphraseField } from './PassphraseField.js';
import { changeErrorTitle, changeProblem, retryTextAt } from './passphrase-rules.js';
import { changePassphrase } from './secrets-service.js';
import { useSecretsStore } from './store.js';

export function ChangePassphraseForm({ status }: { status: KeyStatus }): React.ReactElement {
  const { busy, error, done } = useSecretsStore((s) => s.change);
  const answeredAt = useSecretsStore((s) => s.answeredAt);
  const now = useNow();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const currentInput = useRef<HTMLInputElement>(null);
  const doneNotice = useRef<HTMLParagraphElement>(null);
  const wait = retryTextAt(status.retryAfterMs, answeredAt, now);
  // A refused current passphrase: the field is emptied and gets the focus for the next try.
  useEffect(() => {
    if (error !== null) currentInput.current?.focus();
  }, [error]);
  // The menu scrolls on small screens: bring the confirmation into view.
  useEffect(() => {
    if (done) doneNotice.current?.scrollIntoView({ block: 'nearest' });
  }, [done]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const found = changeProblem(current, next, confirm, status.minLength);
    setProblem(found);
    if (found !== null) return;
    void changePassphrase(current, next).then((ok) => {
      setCurrent('');
      if (!ok) return;
      setNext('');
      setConfirm('');
    });
  };

  return (
    <form className="form keys-settings__change" onSubmit={submit} noValidate data-testid="change-passphrase-form">
      <h4>Change passphrase</h4>
      <PassphraseField
        label="Current passphrase"
        value={current}
        onChange={setCurrent}
        autoComplete="current-password"
        testId="change-current"
        inputRef={currentInput}
      />
      <PassphraseField
        label={`New passphrase (at least ${status.minLength} characters)`}
        value={next}
        onChange={setNext}
        autoComplete="new-password"
        testId="change-next"
      />
      <PassphraseField
        label="Type the new one again"
        value={confirm}
        onChange={setConfirm}
        autoComplete="new-password"
        testId="change-confirm"
      />
      {problem === null ? null : (
        <p className="form__problem" role="alert" data-testid="change-problem">
          {problem}
        </p>
      )}
      {error === null ? null : <ErrorNotice error={error} title={changeErrorTitle(error.code)} testId="change-error" />}
      {wait === null ? null : (
        <p className="muted" data-testid="change-wait">
          {wait}
        </p>
      )}
      {done && problem === null ? (
        <p ref={doneNotice} className="notice notice--ok" role="status" data-testid="change-done">
          Passphrase changed: both keys are now sealed with the new one. Use it the next time Fieldline starts; the old one no longer opens
          them.
        </p>
      ) : null}
      <button type="submit" className="button button--primary" disabled={busy} data-testid="change-submit">
        {busy ? 'Resealing your keys…' : 'Change passphrase'}
      </button>
    </form>
  );
}
