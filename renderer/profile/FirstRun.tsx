/**
 * First run: who is this technician, and the key they will sign in to gateways with.
 */
import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { createProfile, finishFirstRun } from './profile-service.js';
import { useProfileStore } from './store.js';
import { KeyDetails } from './KeyDetails.js';
import { TrustExplainer } from './TrustExplainer.js';

function ProfileForm(): React.ReactElement {
  const creating = useProfileStore((s) => s.creating);
  const createError = useProfileStore((s) => s.createError);
  const [name, setName] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [missing, setMissing] = useState<string | null>(null);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const gaps = [name.trim() === '' ? 'your name' : null, organisation.trim() === '' ? 'your organisation' : null].filter(
      (g) => g !== null,
    );
    if (gaps.length > 0) {
      setMissing(`Enter ${gaps.join(' and ')}: gateways record them with every action you take.`);
      return;
    }
    setMissing(null);
    void createProfile(name.trim(), organisation.trim());
  };

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="profile-form">
      <label className="form__field">
        <span>Your name</span>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="name"
          maxLength={120}
          autoFocus
          data-testid="profile-name-input"
        />
      </label>
      <label className="form__field">
        <span>Organisation</span>
        <input
          value={organisation}
          onChange={(e) => setOrganisation(e.target.value)}
          autoComplete="organization"
          maxLength={120}
          data-testid="profile-organisation-input"
        />
      </label>
      {missing === null ? null : (
        <p className="form__problem" role="alert">
          {missing}
        </p>
      )}
      {createError === null ? null : <ErrorNotice error={createError} title="The profile was not created" testId="profile-error" />}
      <button type="submit" className="button button--primary" disabled={creating} data-testid="profile-create">
        {creating ? 'Creating your key…' : 'Create profile and key'}
      </button>
    </form>
  );
}

export function FirstRun(): React.ReactElement {
  const status = useProfileStore((s) => s.status);
  const created = status.kind === 'ready' ? status.profile : null;
  return (
    <main className="first-run" data-testid="first-run">
      <div className="first-run__card">
        <h1>Welcome to Fieldline</h1>
        {created === null ? (
          <>
            <p className="lead">
              Set up your technician profile. Fieldline creates a signing key for you on this laptop; gateways use it to know who is working
              on them.
            </p>
            <ProfileForm />
          </>
        ) : (
          <>
            <p className="lead" data-testid="profile-created">
              Your profile and key are ready. Give the key id to your administrator if they ask which key is yours.
            </p>
            <KeyDetails profile={created} />
            <button type="button" className="button button--primary" onClick={finishFirstRun} data-testid="first-run-continue" autoFocus>
              Continue to devices
            </button>
          </>
        )}
      </div>
      <div className="first-run__aside">
        <TrustExplainer profile={created} />
      </div>
    </main>
  );
}
