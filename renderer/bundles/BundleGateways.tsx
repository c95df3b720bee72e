/**
 * "Gateways" in the bundle panel: may this bundle go on each gateway the technician knows?
 *
 * Checking may open a session with every gateway whose descriptor has not been read, so it runs
 * when asked. A gateway the bundle cannot go on stays listed, with the reason next to it
 * (UX.md: incompatible targets are visible but cannot be chosen).
 */
import type { BundleDetail, BundleTargetCheck, Device } from '../../core/api/schemas.js';
import { compareDevices, isUsbOnly } from '../devices/selectors.js';
import { useDevicesStore } from '../devices/store.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { checkAgainstGateways } from './bundles-service.js';
import { CHECK_ICONS, gatewayVerdict } from './format.js';
import { useBundlesStore, type Load } from './store.js';

const VERDICT_ICONS = { compatible: CHECK_ICONS.pass, warning: CHECK_ICONS.warn, incompatible: CHECK_ICONS.fail } as const;
const VERDICT_STATUS = { compatible: 'pass', warning: 'warn', incompatible: 'fail' } as const;

function hardware(device: Device): string {
  const d = device.descriptor;
  return d === undefined ? device.model : `${d.model} rev ${d.hardwareRevision}, firmware ${d.firmware.version}`;
}

function Result({ load }: { load: Load<BundleTargetCheck> | undefined }): React.ReactElement {
  if (load === undefined || load.status === 'idle') return <p className="muted">Not checked yet.</p>;
  if (load.status === 'loading') return <p className="muted">Checking…</p>;
  if (load.status === 'error')
    return <ErrorNotice error={load.error} title="This gateway could not be checked" testId="bundle-gateway-error" />;
  const v = gatewayVerdict(load.value);
  return (
    <>
      <p className={`check check--${VERDICT_STATUS[v.verdict]}`} data-testid="bundle-gateway-verdict">
        <span className="check__icon" aria-hidden="true">
          {VERDICT_ICONS[v.verdict]}
        </span>
        <span className="check__text">
          {v.text}
          {v.code === null ? null : (
            <>
              {' '}
              (<code data-testid="bundle-gateway-code">{v.code}</code>)
            </>
          )}
        </span>
      </p>
      {v.notes.map((note, i) => (
        <p key={`${note.id}-${i}`} className="check check--warn" data-testid="bundle-gateway-note">
          <span className="check__icon" aria-hidden="true">
            {CHECK_ICONS.warn}
          </span>
          <span className="check__text">
            {note.message}
            {note.code === undefined ? null : <code className="check__code">{note.code}</code>}
          </span>
        </p>
      ))}
    </>
  );
}

export function BundleGateways({ detail }: { detail: BundleDetail }): React.ReactElement {
  const devices = useDevicesStore((s) => s.devices);
  const checks = useBundlesStore((s) => s.gatewayChecks);
  // A USB device that does not answer FGP (recovery mode) cannot take a bundle.
  const list = [...devices.values()].filter((d) => !isUsbOnly(d)).sort(compareDevices);
  const running = [...checks.values()].some((c) => c.status === 'loading');
  if (detail.bundle.status === 'refused')
    return <p className="muted">A refused bundle cannot go on any gateway; the reason is at the top of this panel.</p>;
  if (list.length === 0)
    return (
      <p className="muted" data-testid="bundle-gateways-empty">
        No gateways known yet. Find them in the Devices view (discovery or add by address), then check here.
      </p>
    );
  return (
    <>
      <p className="muted">
        Checks each gateway&apos;s hardware, the security counter it has already accepted and the version it runs. Gateways not read yet are
        contacted.
      </p>
      <div className="panel-actions">
        <button
          type="button"
          className="button"
          disabled={running}
          onClick={() =>
            void checkAgainstGateways(
              detail.bundle.id,
              list.map((d) => d.id),
            )
          }
          data-testid="bundle-gateways-check"
        >
          {running ? 'Checking gateways…' : 'Check against gateways'}
        </button>
      </div>
      <ul className="plain-list gateway-checks" data-testid="bundle-gateways">
        {list.map((device) => {
          const load = checks.get(device.id);
          const verdict = load?.status === 'ready' ? gatewayVerdict(load.value).verdict : null;
          return (
            <li
              key={device.id}
              className={`gateway-check${verdict === 'incompatible' ? ' gateway-check--incompatible' : ''}`}
              data-testid="bundle-gateway"
              data-device-id={device.id}
              data-verdict={verdict ?? load?.status ?? 'idle'}
              aria-disabled={verdict === 'incompatible' ? true : undefined}
            >
              <p className="gateway-check__name">
                <strong>{device.name}</strong> <span className="muted">{hardware(device)}</span>
                {device.state === 'lost' ? <span className="muted"> (not seen lately)</span> : null}
              </p>
              <Result load={load} />
            </li>
          );
        })}
      </ul>
    </>
  );
}
