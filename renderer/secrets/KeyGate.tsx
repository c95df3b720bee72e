/**
 * Shows the unlock (or first set-up) screen while the engine's keys are locked, the app otherwise.
 */
import { useEffect } from 'react';
import { SetUpScreen } from './SetUpScreen.js';
import { startSecretsSync } from './secrets-service.js';
import { UnlockScreen } from './UnlockScreen.js';
import { useSecretsStore } from './store.js';

export function KeyGate({ children }: { children: React.ReactNode }): React.ReactElement {
  const status = useSecretsStore((s) => s.status);
  const checked = useSecretsStore((s) => s.checked);
  useEffect(() => startSecretsSync(), []);
  if (!checked)
    return (
      <main className="centered" data-testid="keys-checking">
        <p className="muted">Connecting to the Fieldline engine…</p>
      </main>
    );
  if (status?.locked !== true) return <>{children}</>;
  return status.setUp ? <UnlockScreen status={status} /> : <SetUpScreen status={status} />;
}
