/**
 * A gateway's USB side in the device panel: its mode, where the cable is, what it is reachable
 * as, and — for a device that cannot answer — what that means and what to do next.
 */
import type { DeviceUsb } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';
import { usbLocation, usbModeBadge, usbNotices } from './selectors.js';

export function UsbSection({ usb, usbOnly }: { usb: DeviceUsb; usbOnly: boolean }): React.ReactElement {
  const mode = usbModeBadge(usb);
  return (
    <section className="panel-section" aria-labelledby="usb-heading" data-testid="device-usb">
      <h3 id="usb-heading">USB</h3>
      <p>
        <span className={`badge usb-mode usb-mode--${mode.tone}`} data-testid="device-usb-mode">
          {mode.label}
        </span>{' '}
        {usb.family} · <span data-testid="device-usb-location">{usbLocation(usb)}</span>
        {usb.serial === undefined ? null : <> · serial {usb.serial}</>}
      </p>
      {usbOnly ? (
        <p className="muted" data-testid="device-usb-standin">
          No gateway answered on this USB device, so it has no gateway id yet. This row stands for the device while it is plugged in and is
          replaced by the gateway as soon as its agent answers.
        </p>
      ) : null}
      {usbNotices(usb, usbOnly).map((notice) => (
        <div
          key={notice.title}
          className={`notice ${notice.tone === 'warn' ? 'notice--hint' : ''}`}
          role={notice.tone === 'warn' ? 'alert' : 'status'}
          data-testid="device-usb-notice"
        >
          <p className="notice__title">{notice.title}</p>
          {notice.body ? <p>{notice.body}</p> : null}
          {notice.fix === undefined ? null : (
            <>
              <p className="label">What to do</p>
              <CopyableValue value={notice.fix} label="fix" testId="device-usb-fix" />
            </>
          )}
        </div>
      ))}
      {usb.serialPorts.length + usb.networkInterfaces.length > 0 ? (
        <ul className="plain-list" data-testid="device-usb-links">
          {usb.serialPorts.map((p) => (
            <li key={p}>Serial port {p}</li>
          ))}
          {usb.networkInterfaces.map((n) => (
            <li key={n}>USB network interface {n}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
