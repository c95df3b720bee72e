/**
 * "Add by address": reach a gateway discovery cannot see (another subnet, multicast blocked, a
 * serial adapter Fieldline does not recognise). The engine parses the address and says what is
 * wrong with it; this form only passes it on.
 */
import { useState } from 'react';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { addDeviceByAddress } from './devices-service.js';
import { useDevicesStore } from './store.js';

export function AddByAddress({ onCancel }: { onCancel(): void }): React.ReactElement {
  const state = useDevicesStore((s) => s.addDevice);
  const [address, setAddress] = useState('');
  const [tried, setTried] = useState('');
  const busy = state.status === 'loading';
  return (
    <form
      className="add-device"
      onSubmit={(event) => {
        event.preventDefault();
        setTried(address.trim());
        void addDeviceByAddress(address);
      }}
    >
      <label className="field">
        <span className="field__label">Gateway address</span>
        <input
          type="text"
          value={address}
          onChange={(event) => setAddress(event.target.value)}
          placeholder="10.0.0.7, gw-01.local:48621, /dev/ttyUSB0@115200, COM3"
          spellCheck={false}
          autoComplete="off"
          aria-describedby="add-address-help"
          data-testid="add-address-input"
        />
        <span id="add-address-help" className="field__help">
          A host name or IP address, with <code>:port</code> when it is not 48621; or a serial port, with <code>@baud</code> when it is not
          115200.
        </span>
      </label>
      {busy ? (
        <p className="notice" role="status" data-testid="add-device-running">
          Connecting to {tried}…
        </p>
      ) : null}
      {state.status === 'error' ? <ErrorNotice error={state.error} title="Could not add the gateway" testId="add-device-error" /> : null}
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy} data-testid="add-address-submit">
          Add gateway
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
