/**
 * Everything a gateway said about itself in `hello`, laid out for reading and copying.
 */
import type { DeviceDescriptor } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';

function Field({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }): React.ReactElement {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

export function IdentitySection({ descriptor }: { descriptor: DeviceDescriptor }): React.ReactElement {
  return (
    <section className="panel-section" aria-labelledby="identity-heading">
      <h3 id="identity-heading">Identity</h3>
      <dl className="fields">
        <Field label="Vendor" testId="descriptor-vendor">
          {descriptor.vendor}
        </Field>
        <Field label="Model" testId="descriptor-model">
          {descriptor.model}
        </Field>
        <Field label="Hardware revision" testId="descriptor-hw-rev">
          {descriptor.hardwareRevision}
        </Field>
        <Field label="Serial number">
          <CopyableValue value={descriptor.serial} label="serial number" testId="descriptor-serial" />
        </Field>
        <Field label="Public key">
          <CopyableValue value={descriptor.publicKey} label="device public key" testId="descriptor-public-key" />
        </Field>
        <Field label="Protocol" testId="descriptor-protocol">
          FGP v{descriptor.protocol}
        </Field>
        <Field label="Largest frame">{descriptor.maxFrame.toLocaleString()} bytes</Field>
      </dl>
    </section>
  );
}

export function FirmwareSection({ descriptor }: { descriptor: DeviceDescriptor }): React.ReactElement {
  return (
    <section className="panel-section" aria-labelledby="firmware-heading">
      <h3 id="firmware-heading">Firmware</h3>
      <p data-testid="descriptor-firmware">
        <strong>{descriptor.firmware.version}</strong> running from slot {descriptor.firmware.activeSlot.toUpperCase()}
      </p>
      {descriptor.slots.length === 0 ? (
        <p className="muted">The gateway reported no A/B slots.</p>
      ) : (
        <table className="table" data-testid="descriptor-slots">
          <thead>
            <tr>
              <th scope="col">Slot</th>
              <th scope="col">Version</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {descriptor.slots.map((slot) => (
              <tr key={slot.name}>
                <td>{slot.name.toUpperCase()}</td>
                <td className="mono">{slot.state === 'empty' ? '—' : slot.version}</td>
                <td>{slot.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ModelsSection({ descriptor }: { descriptor: DeviceDescriptor }): React.ReactElement {
  return (
    <section className="panel-section" aria-labelledby="models-heading">
      <h3 id="models-heading">Installed models</h3>
      {descriptor.models.length === 0 ? (
        <p className="muted">No models installed.</p>
      ) : (
        <ul className="model-list" data-testid="descriptor-models">
          {descriptor.models.map((model) => (
            <li key={`${model.name}@${model.sha256}`}>
              <p>
                <strong>{model.name}</strong> <span className="mono">{model.version}</span>
              </p>
              <p className="model-list__hash">
                <span className="muted">SHA-256 </span>
                <CopyableValue value={model.sha256} label={`SHA-256 of ${model.name}`} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function HardwareSection({ descriptor }: { descriptor: DeviceDescriptor }): React.ReactElement {
  return (
    <section className="panel-section" aria-labelledby="hardware-heading">
      <h3 id="hardware-heading">Accelerators and capabilities</h3>
      {descriptor.accelerators.length === 0 ? (
        <p className="muted">No accelerator reported: models run on the CPU.</p>
      ) : (
        <ul className="plain-list" data-testid="descriptor-accelerators">
          {descriptor.accelerators.map((acc) => (
            <li key={`${acc.kind}:${acc.name}`}>
              <span className="chip">{acc.kind}</span> {acc.name}
            </li>
          ))}
        </ul>
      )}
      <ul className="chips" aria-label="Capabilities" data-testid="descriptor-capabilities">
        {descriptor.capabilities.map((cap) => (
          <li key={cap} className="chip chip--mono">
            {cap}
          </li>
        ))}
      </ul>
    </section>
  );
}
