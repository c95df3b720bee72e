/**
 * Always on screen: discovery, devices online, the engine link and connectivity — calmly.
 */
import { useMemo } from 'react';
import { useDevicesStore } from '../devices/store.js';
import { countDevices } from '../devices/selectors.js';
import { linkText } from './link-text.js';
import { useStatusStore } from './store.js';

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
      <span className="status-bar__spacer" />
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
