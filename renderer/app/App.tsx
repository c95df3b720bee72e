/**
 * The shell: first run until a profile exists, then the chosen view (Devices, Bundles, Flash, Benchmark, Audit); the status bar always.
 */
import { useEffect } from 'react';
import { AuditView } from '../audit/AuditView.js';
import { BenchView } from '../bench/BenchView.js';
import { BundlesView } from '../bundles/BundlesView.js';
import { DevicesView } from '../devices/DevicesView.js';
import { FlashView } from '../flash/FlashView.js';
import { FirstRun } from '../profile/FirstRun.js';
import { retryProfileLoad } from '../profile/profile-service.js';
import { useProfileStore } from '../profile/store.js';
import { KeyGate } from '../secrets/KeyGate.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { EngineBanner } from '../status/EngineBanner.js';
import { StatusBar } from '../status/StatusBar.js';
import { startAppCommands } from './app-commands.js';
import { Header } from './Header.js';
import { useViewStore } from './view.js';

function Body(): React.ReactElement {
  const status = useProfileStore((s) => s.status);
  const justCreated = useProfileStore((s) => s.justCreated);
  const view = useViewStore((s) => s.view);
  switch (status.kind) {
    case 'loading':
      return (
        <main className="centered" data-testid="app-loading">
          <p className="muted">Connecting to the Fieldline engine…</p>
        </main>
      );
    case 'error':
      return (
        <main className="centered">
          <ErrorNotice error={status.error} title="Fieldline could not read your technician profile" testId="profile-load-error">
            <button type="button" className="button" onClick={retryProfileLoad}>
              Try again
            </button>
          </ErrorNotice>
        </main>
      );
    case 'missing':
      return <FirstRun />;
    case 'ready':
      if (justCreated) return <FirstRun />;
      return (
        <>
          <Header profile={status.profile} />
          <main className="content" id={view}>
            {view === 'bundles' ? (
              <BundlesView />
            ) : view === 'flash' ? (
              <FlashView />
            ) : view === 'bench' ? (
              <BenchView />
            ) : view === 'audit' ? (
              <AuditView />
            ) : (
              <DevicesView />
            )}
          </main>
        </>
      );
  }
}

export function App(): React.ReactElement {
  // Menu commands and shortcuts from the desktop shell.
  useEffect(() => startAppCommands(), []);
  return (
    <div className="app">
      <EngineBanner />
      <KeyGate>
        <Body />
      </KeyGate>
      <StatusBar />
    </div>
  );
}
