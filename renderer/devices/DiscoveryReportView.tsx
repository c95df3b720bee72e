/**
 * "Why not found": every interface and serial port discovery tried, what answered, and hints.
 */
import type { DiscoveryReport, SerialPortReport } from '../../core/api/schemas.js';
import { summariseReport, usbReportSentence } from './selectors.js';

const PORT_RESULTS: Readonly<Record<SerialPortReport['result'], string>> = {
  pending: 'probing…',
  found: 'gateway found',
  'no-answer': 'no answer',
  'permission-denied': 'permission denied',
  busy: 'in use by another program',
  error: 'error',
};

export function DiscoveryReportView({ report }: { report: DiscoveryReport }): React.ReactElement {
  const summary = summariseReport(report);
  return (
    <div className="report" data-testid="discovery-report">
      <p data-testid="discovery-report-summary">{summary.sentence}</p>

      {report.hints.length === 0 ? null : (
        <ul className="hints" aria-label="Likely causes" data-testid="discovery-hints">
          {report.hints.map((hint) => (
            <li key={hint.code} className="notice notice--hint" data-testid="discovery-hint">
              <p className="notice__message">{hint.message}</p>
              <p className="notice__fix">
                <strong>What to do: </strong>
                {hint.fix}
              </p>
              <p className="notice__code">
                Code: <code>{hint.code}</code>
              </p>
            </li>
          ))}
        </ul>
      )}

      <h3>Network interfaces</h3>
      {report.interfaces.length === 0 ? (
        <p className="muted">No network interface was found on this computer.</p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="report-interfaces">
            <thead>
              <tr>
                <th scope="col">Interface</th>
                <th scope="col">Address</th>
                <th scope="col">Kind</th>
                <th scope="col">Searched</th>
                <th scope="col" className="num">
                  mDNS answers
                </th>
                <th scope="col" className="num">
                  UDP answers
                </th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {report.interfaces.map((iface) => (
                <tr key={`${iface.name}/${iface.address}`} className={iface.used ? undefined : 'is-muted'}>
                  <td className="mono">{iface.name}</td>
                  <td className="mono">{iface.address}</td>
                  <td>{iface.kind}</td>
                  <td>
                    {iface.used ? 'yes' : 'no'}
                    {/* Used although not chosen: the network function of a USB gateway. */}
                    {iface.reason !== undefined && <span className="muted"> — {iface.reason}</span>}
                  </td>
                  <td className="num">{iface.mdnsAnswers}</td>
                  <td className="num">{iface.udpAnswers}</td>
                  <td>{iface.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Serial ports</h3>
      {report.serialPorts.length === 0 ? (
        <p className="muted">
          No serial port matched the device catalog and none was named. A USB-serial adapter that is plugged in but not listed may need a
          driver; name it in Search settings, or add the gateway by its address.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="report-serial">
            <thead>
              <tr>
                <th scope="col">Port</th>
                <th scope="col">Why probed</th>
                <th scope="col">Baud rates</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {report.serialPorts.map((port) => (
                <tr key={port.path}>
                  <td className="mono">{port.path}</td>
                  <td>
                    {port.reason === 'catalog'
                      ? `catalog${port.catalogEntry === undefined ? '' : `: ${port.catalogEntry}`}`
                      : 'named by you'}
                  </td>
                  <td className="mono">{port.baudRates.join(', ')}</td>
                  <td>
                    {PORT_RESULTS[port.result]}
                    {port.detail === undefined ? '' : ` — ${port.detail}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {report.usb === undefined ? null : (
        <>
          <h3>USB</h3>
          <p className={report.usb.error === undefined ? 'muted' : ''} data-testid="report-usb">
            {usbReportSentence(report.usb)}
          </p>
        </>
      )}
    </div>
  );
}
