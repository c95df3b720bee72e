/**
 * What the Devices view says when no gateway has answered: what to check, and what was tried.
 */
import type { DiscoveryReport } from '../../core/api/schemas.js';
import { DiscoveryReportView } from './DiscoveryReportView.js';

export function EmptyState({ report, onAddByAddress }: { report: DiscoveryReport | null; onAddByAddress(): void }): React.ReactElement {
  return (
    <div className="empty-state" data-testid="devices-empty">
      <h2>No gateways found yet</h2>
      <p>
        {report?.running === false
          ? 'Discovery is stopped. Start it with the button above, then check the points below.'
          : 'Fieldline keeps looking; gateways appear here as soon as they answer. While you wait, check:'}
      </p>
      <div className="next-step" data-testid="empty-add-by-address">
        <p>
          <strong>Know its address? Add it directly.</strong> A gateway on another subnet, behind a router that blocks multicast, or on a
          serial port Fieldline does not recognise can be reached by its IP address or port name.
        </p>
        <button type="button" className="button" onClick={onAddByAddress} data-testid="empty-add-by-address-button">
          Add by address
        </button>
      </div>
      <div className="next-step" data-testid="empty-usb-hint">
        <div>
          <p>
            <strong>Plug in a device.</strong> Connect a USB data cable from this laptop to the gateway's service (USB-C device / OTG or
            micro-USB) port, or plug in its USB-serial console cable. Fieldline shows it here at once with its mode — running, USB device
            mode, recovery, or UART bridge — and, if it cannot talk to it, what that means and what to do next.
          </p>
          <p className="muted">
            On Linux, opening USB devices needs a udev rule (Fieldline shows the exact rule for the device) and serial ports need the{' '}
            <code>dialout</code> group.
          </p>
          {report?.usb?.error === undefined ? null : (
            <p className="muted" data-testid="empty-usb-error">
              USB: {report.usb.error}
            </p>
          )}
        </div>
      </div>
      <ul className="checklist">
        <li>
          <strong>Cable and power.</strong> Is the gateway powered and has it finished booting? Is the network or serial cable seated at
          both ends? A serial gateway needs its USB-serial adapter plugged into this laptop.
        </li>
        <li>
          <strong>Network.</strong> Is this laptop on the same network segment as the gateway (same switch or VLAN)? VPNs and Docker or
          virtual machine bridges do not reach it. The interfaces searched are listed below.
        </li>
        <li>
          <strong>Port permissions.</strong> On Linux, serial ports need the <code>dialout</code> group: run{' '}
          <code>sudo usermod -aG dialout $USER</code>, then log out and back in.
        </li>
      </ul>
      {report === null ? <p className="muted">Waiting for the first discovery report…</p> : <DiscoveryReportView report={report} />}
    </div>
  );
}
