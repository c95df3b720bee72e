/**
 * Always on screen: discovery, devices online, running flash jobs, the audit queue, the engine
 * link and connectivity — calmly.
 */
import { useMemo } from 'react';
import { useDevicesStore } from '../devices/store.js';
import { countDevices } from '../devices/selectors.js';
import { viewJob } from '../flash/flash-service.js';
import { jobsNewestFirst } from '../flash/job-state.js';
import { useFlashStore } from '../flash/store.js';
import { AuditStatusItem } from './AuditStatusItem.js';
import { flashStatus } from './flash-status.js';
import { linkText } from './link-text.js';
import { useStatusStore } from './store.js';

/** "Flashing 2 gateways · 45 %": one click opens the Flash view (on the job, when only one runs). */
function FlashJobsItem(): React.ReactElement | null {
  const jobs = useFlashStore((s) => s.jobs);
  const status = useMemo(() => flashStatus(jobsNewestFirst(jobs)), [jobs]);
  if (status === null) return null;
  const open = (): void => {
    if (status.jobId !== null) viewJob(status.jobId);
    window.location.hash = '#flash';
  };
  return (
    <button
      type="button"
      className="button button--small status-bar__item"
      onClick={open}
      data-testid="status-flash"
      aria-label={`${status.label}. Show the Flash view`}
    >
      <span className="dot dot--busy" aria-hidden="true" />
      {status.label}
    </button>
  );
}

export function StatusBar(): React.ReactElement {
  const devices = useDevicesStore((s) => s.devices);
  const report = useDevicesStore((s) => s.report);
  const link = useStatusStore((s) => s.link);
  const host = useStatusStore((s) => s.host);
  const networkOnline = useStatusStore((s) => s.networkOnline);
  const counts = useMemo(() => countDevices(devices.values()), [devices]);
  const linkInfo = linkText(link, host);
  const searching = report?.interfaces.filter((i) => i.used).map((i) => i.name) ?? [];

  return (
    <footer className="status-bar" role="status" aria-label="Status" data-testid="status-bar">
      <span className="status-bar__item" data-testid="status-discovery">
        <span className={`dot dot--${report?.running === true ? 'ok' : 'idle'}`} aria-hidden="true" />
        {report === null
          ? 'Discovery: waiting for the engine'
          : report.running
            ? `Discovery running${searching.length > 0 ? ` on ${searching.join(', ')}` : ''}`
            : 'Discovery stopped'}
      </span>
      <span className="status-bar__item" data-testid="status-devices">
        {counts.online} {counts.online === 1 ? 'gateway' : 'gateways'} online
        {counts.lost > 0 ? ` · ${counts.lost} lost` : ''}
      </span>
      <FlashJobsItem />
      <span className="status-bar__spacer" />
      <AuditStatusItem />
      <span className={`status-bar__item status-bar__item--${linkInfo.tone}`} title={linkInfo.detail} data-testid="status-link">
        <span className={`dot dot--${linkInfo.tone}`} aria-hidden="true" />
        {linkInfo.label}
        {linkInfo.detail === undefined ? null : <span className="status-bar__detail">{linkInfo.detail}</span>}
      </span>
      <span className="status-bar__item" data-testid="status-network">
        {networkOnline ? 'Network connected' : 'Offline — everything here works without internet'}
      </span>
    </footer>
  );
}
