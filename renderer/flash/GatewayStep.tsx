/**
 * Step 2, "Where": every known gateway, judged for the chosen bundle. Compatible ones are ticked
 * for the technician; incompatible or unreachable ones stay listed, cannot be ticked, and say why
 * (sentence and code). A same-version reinstall can be ticked but never is by default.
 */
import type { BundleSummary, BundleTargetCheck, Device } from '../../core/api/schemas.js';
import { compareDevices, transportBadges } from '../devices/selectors.js';
import { useDevicesStore } from '../devices/store.js';
import { checkGateways, review, toggle } from './flash-service.js';
import { chosenIds, gatewayEligibility, tallyChecks, type GatewayEligibility, type Load } from './selection.js';
import { useFlashStore } from './store.js';
import { shortId } from './summary.js';

const ICONS: Readonly<Record<GatewayEligibility['kind'], string>> = {
  idle: '–',
  checking: '…',
  compatible: '✓',
  warning: '⚠',
  incompatible: '✗',
  unreachable: '✗',
};
const TONES: Readonly<Record<GatewayEligibility['kind'], string>> = {
  idle: 'skip',
  checking: 'skip',
  compatible: 'pass',
  warning: 'warn',
  incompatible: 'fail',
  unreachable: 'fail',
};

function currentVersion(device: Device, bundle: BundleSummary): string {
  const d = device.descriptor;
  if (bundle.kind === 'model') {
    if (d === undefined) return 'models not read yet';
    const m = d.models.find((x) => x.name === bundle.name);
    return m === undefined ? `${bundle.name ?? 'model'} not installed` : `${m.name} ${m.version}`;
  }
  return `firmware ${d?.firmware.version ?? device.firmware}${d === undefined ? '' : `, slot ${d.firmware.activeSlot.toUpperCase()} active`}`;
}

function GatewayRow({
  device,
  bundle,
  load,
  checked,
}: {
  device: Device;
  bundle: BundleSummary;
  load: Load<BundleTargetCheck> | undefined;
  checked: boolean;
}): React.ReactElement {
  const e = gatewayEligibility(device, load);
  const inputId = `flash-gw-${device.id}`;
  return (
    <li
      className={`flash-gateway${e.choosable ? '' : ' flash-gateway--blocked'}${device.state === 'lost' ? ' flash-gateway--lost' : ''}`}
      data-testid="flash-gateway"
      data-device-id={device.id}
      data-verdict={e.kind}
      data-selected={checked}
    >
      <input
        id={inputId}
        type="checkbox"
        checked={checked}
        disabled={!e.choosable}
        onChange={() => toggle(device.id)}
        data-testid="flash-gateway-select"
        aria-describedby={`${inputId}-verdict`}
      />
      <div className="flash-gateway__main">
        <label htmlFor={inputId} className="flash-gateway__name">
          <strong>{device.name}</strong> <code className="muted">{shortId(device.id)}</code>{' '}
          <span className="muted">
            {device.model} · {currentVersion(device, bundle)}
          </span>
          {transportBadges(device).map((b) => (
            <span key={b.key} className="chip flash-gateway__link" title={b.detail}>
              {b.label}
            </span>
          ))}
          {device.state === 'lost' ? <span className="chip flash-gateway__lost">not seen lately</span> : null}
        </label>
        <p id={`${inputId}-verdict`} className={`check check--${TONES[e.kind]}`} data-testid="flash-gateway-verdict">
          <span className="check__icon" aria-hidden="true">
            {ICONS[e.kind]}
          </span>
          <span className="check__text">
            {e.text}
            {e.code === null ? null : (
              <code className="check__code" data-testid="flash-gateway-code">
                {e.code}
              </code>
            )}
          </span>
        </p>
        {e.fix === null ? null : <p className="flash-gateway__fix">What to do: {e.fix}</p>}
        {e.notes.map((note, i) => (
          <p key={i} className="check check--warn" data-testid="flash-gateway-note">
            <span className="check__icon" aria-hidden="true">
              ⚠
            </span>
            <span className="check__text">{note}</span>
          </p>
        ))}
      </div>
    </li>
  );
}

export function GatewayStep({ bundle }: { bundle: BundleSummary }): React.ReactElement {
  const deviceMap = useDevicesStore((s) => s.devices);
  const checks = useFlashStore((s) => s.checks);
  const selection = useFlashStore((s) => s.selection);
  const devices = [...deviceMap.values()].sort(compareDevices);
  const tally = tallyChecks(devices, checks);
  const ids = chosenIds(selection, devices, checks);
  const checking = tally.checking > 0 && [...checks.values()].some((c) => c.status === 'loading');
  return (
    <section className="flash-step" aria-labelledby="flash-where-title" data-testid="flash-where">
      <h2 id="flash-where-title">
        2 · Which gateways get {bundle.name ?? bundle.fileName} {bundle.version ?? ''}?
      </h2>
      {devices.length === 0 ? (
        <p className="notice notice--hint" data-testid="flash-no-gateways">
          No gateways known yet. Find them in the <a href="#devices">Devices view</a> (discovery or add by address), then come back.
        </p>
      ) : (
        <>
          <div className="toolbar flash-toolbar">
            <p className="flash-tally" aria-live="polite" data-testid="flash-gateway-tally">
              {checking ? `Checking ${tally.checking} of ${devices.length} gateways… · ` : ''}
              {tally.compatible} can be flashed · {tally.incompatible} not compatible
              {tally.unreachable > 0 ? ` · ${tally.unreachable} could not be checked` : ''}
            </p>
            <span className="header__spacer" />
            <button type="button" className="button" onClick={() => void checkGateways()} disabled={checking} data-testid="flash-recheck">
              {checking ? 'Checking…' : 'Check again'}
            </button>
          </div>
          <ul className="plain-list flash-gateways" data-testid="flash-gateways">
            {devices.map((d) => (
              <GatewayRow key={d.id} device={d} bundle={bundle} load={checks.get(d.id)} checked={selection.selected.has(d.id)} />
            ))}
          </ul>
        </>
      )}
      <div className="flash-actions">
        <button
          type="button"
          className="button button--primary"
          disabled={ids.length === 0}
          onClick={() => void review()}
          data-testid="flash-review"
        >
          Review {ids.length} gateway{ids.length === 1 ? '' : 's'}
        </button>
        {ids.length === 0 && !checking ? <span className="muted">Tick at least one gateway that can be flashed.</span> : null}
      </div>
    </section>
  );
}
