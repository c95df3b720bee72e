/**
 * The Flash view: what (bundle) → where (gateways) → confirm → go, the steps always on screen.
 * A job keeps running in the engine whatever the technician looks at; coming back shows it.
 */
import { useBundlesStore } from '../bundles/store.js';
import { BundleStep } from './BundleStep.js';
import { ConfirmStep } from './ConfirmStep.js';
import { goToStep, viewJob } from './flash-service.js';
import { GatewayStep } from './GatewayStep.js';
import { runningJobs } from './job-state.js';
import { jobTally } from './progress-format.js';
import { ProgressStep } from './ProgressStep.js';
import { chosenIds } from './selection.js';
import { StepNav, type StepNavItem } from './StepNav.js';
import { useFlashStore } from './store.js';
import { useDevicesStore } from '../devices/store.js';

/** A job running while the technician prepares the next one: its state stays one click away. */
function RunningBanner({ hide }: { hide: string | null }): React.ReactElement | null {
  const jobs = useFlashStore((s) => s.jobs);
  const running = runningJobs(jobs).filter((j) => j.id !== hide);
  if (running.length === 0) return null;
  return (
    <ul className="plain-list flash-running" data-testid="flash-running">
      {running.map((j) => (
        <li key={j.id} className="notice notice--ok">
          <strong>
            Flashing {j.bundleName ?? 'a bundle'} {j.bundleVersion ?? ''}
          </strong>{' '}
          · {jobTally(j).text}{' '}
          <button type="button" className="button button--small" onClick={() => viewJob(j.id)} data-testid="flash-running-show">
            Show progress
          </button>
        </li>
      ))}
    </ul>
  );
}

export function FlashView(): React.ReactElement {
  const step = useFlashStore((s) => s.step);
  const bundleId = useFlashStore((s) => s.bundleId);
  const viewJobId = useFlashStore((s) => s.viewJobId);
  const engine = useFlashStore((s) => s.engine);
  const selection = useFlashStore((s) => s.selection);
  const checks = useFlashStore((s) => s.checks);
  const jobs = useFlashStore((s) => s.jobs);
  const devices = useDevicesStore((s) => s.devices);
  const bundle = useBundlesStore((s) => s.bundles.find((b) => b.id === bundleId));
  const count = chosenIds(selection, [...devices.values()], checks).length;
  const job = viewJobId === null ? undefined : jobs.jobs.get(viewJobId);

  // A bundle removed from the library meanwhile sends the technician back to step 1.
  const shown = bundle === undefined && (step === 'where' || step === 'confirm') ? 'what' : step;
  const items: readonly StepNavItem[] = [
    { step: 'what', value: bundle === undefined ? null : `${bundle.name ?? bundle.fileName} ${bundle.version ?? ''}`, reachable: true },
    {
      step: 'where',
      value: bundle === undefined ? null : `${count} gateway${count === 1 ? '' : 's'} chosen`,
      reachable: bundle !== undefined,
    },
    { step: 'confirm', value: null, reachable: bundle !== undefined && count > 0 },
    { step: 'go', value: job === undefined ? null : jobTally(job).text, reachable: viewJobId !== null },
  ];

  return (
    <div className="flash-view" data-testid="flash-view" data-flash-engine={engine.status}>
      <StepNav current={shown} items={items} onGo={goToStep} />
      <div className="flash-view__body">
        <RunningBanner hide={shown === 'go' ? viewJobId : null} />
        {shown === 'what' ? <BundleStep chosenId={bundleId} /> : null}
        {shown === 'where' && bundle !== undefined ? <GatewayStep bundle={bundle} /> : null}
        {shown === 'confirm' && bundle !== undefined ? <ConfirmStep bundle={bundle} /> : null}
        {shown === 'go' && viewJobId !== null ? <ProgressStep jobId={viewJobId} /> : null}
      </div>
    </div>
  );
}
