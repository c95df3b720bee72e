/**
 * The open gateway: its whole descriptor, how we reach it, and the "Authenticate" action.
 */
import { useEffect, useRef } from 'react';
import type { AuthResult, Device } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { useNow } from '../shared/clock.js';
import { absoluteTime, relativeTime } from '../shared/relative-time.js';
import { authenticateDevice } from './devices-service.js';
import { describePath, isUsbOnly } from './selectors.js';
import { UsbSection } from './UsbSection.js';
import type { Load } from './store.js';
import { FirmwareSection, HardwareSection, IdentitySection, ModelsSection } from './DescriptorSections.js';

function AuthOutcome({ auth }: { auth: Load<AuthResult> }): React.ReactElement | null {
  switch (auth.status) {
    case 'idle':
      return null;
    case 'loading':
      return (
        <p className="notice" role="status" data-testid="auth-running">
          Signing the gateway's challenge with your key…
        </p>
      );
    case 'ready':
      return (
        <p className="notice notice--ok" role="status" data-testid="auth-result">
          Authenticated as <strong>{auth.value.technician}</strong> with the role <strong>{auth.value.role}</strong>. This gateway trusts
          your key.
        </p>
      );
    case 'error':
      return <ErrorNotice error={auth.error} title="Authentication failed" testId="auth-error" />;
  }
}

export interface DevicePanelProps {
  readonly device: Device;
  readonly detail: Load<Device>;
  readonly auth: Load<AuthResult>;
  onClose(): void;
}

export function DevicePanel({ device, detail, auth, onClose }: DevicePanelProps): React.ReactElement {
  const now = useNow();
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Opening a gateway from the keyboard lands in the panel, so reading continues where it opened.
  useEffect(() => headingRef.current?.focus(), [device.id]);
  // Live fields come from the registry stream; the descriptor from whichever copy has one.
  const full = device;
  const descriptor = detail.status === 'ready' ? (detail.value.descriptor ?? device.descriptor) : device.descriptor;
  const usbOnly = isUsbOnly(full);

  return (
    <aside className="side-panel" aria-labelledby="device-panel-heading" data-testid="device-panel">
      <header className="side-panel__header">
        <div>
          <h2 id="device-panel-heading" ref={headingRef} tabIndex={-1} data-testid="device-panel-name">
            {full.name}
          </h2>
          <p className="muted">
            <span className={`state state--${full.state}`}>{full.state === 'online' ? 'Online' : 'Lost'}</span> · last seen{' '}
            <span title={absoluteTime(full.lastSeen)}>{relativeTime(now, full.lastSeen)}</span>
            {full.authenticated ? ' · authenticated' : ''}
          </p>
        </div>
        <button type="button" className="button button--small" onClick={onClose} data-testid="device-panel-close">
          Close
        </button>
      </header>

      <div className="side-panel__body">
        <section className="panel-section" aria-label="Device id">
          <p className="label">
            {usbOnly ? 'Stand-in id (from the USB ids and serial number)' : "Device id (fingerprint of the gateway's key)"}
          </p>
          <CopyableValue value={full.id} label="device id" testId="device-panel-id" />
        </section>

        {full.usb === undefined ? null : <UsbSection usb={full.usb} usbOnly={usbOnly} />}

        {usbOnly ? null : (
          <section className="panel-section" aria-label="Authenticate">
            <button
              type="button"
              className="button button--primary"
              onClick={() => void authenticateDevice(full.id)}
              disabled={auth.status === 'loading' || full.state === 'lost'}
              data-testid="authenticate-button"
            >
              Authenticate
            </button>
            {full.state === 'lost' ? <p className="muted">The gateway is not answering; authenticate once it is back online.</p> : null}
            <AuthOutcome auth={auth} />
          </section>
        )}

        {detail.status === 'loading' && descriptor === undefined ? (
          <p className="notice" role="status">
            Asking the gateway to describe itself…
          </p>
        ) : null}
        {detail.status === 'error' ? (
          <ErrorNotice error={detail.error} title="Could not read the full descriptor" testId="detail-error" />
        ) : null}

        {descriptor === undefined ? null : (
          <>
            <IdentitySection descriptor={descriptor} />
            <FirmwareSection descriptor={descriptor} />
            <ModelsSection descriptor={descriptor} />
            <HardwareSection descriptor={descriptor} />
          </>
        )}

        <section className="panel-section" aria-labelledby="paths-heading">
          <h3 id="paths-heading">How Fieldline reaches it</h3>
          <ul className="plain-list" data-testid="device-paths">
            {full.paths.map((path) => {
              const text = describePath(path);
              return <li key={text}>{text}</li>;
            })}
          </ul>
        </section>
      </div>
    </aside>
  );
}
