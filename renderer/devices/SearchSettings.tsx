/**
 * "Search settings": which network interfaces discovery uses and which serial ports it probes.
 *
 * Starts from what the technician last applied, else from what the engine reports it is
 * searching, so opening and applying without changes never widens or narrows the search.
 */
import { useState } from 'react';
import type { InterfaceReport } from '../../core/api/schemas.js';
import type { UiError } from '../services/ui-error.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { applySearchSelection } from './devices-service.js';
import {
  formatSerialList,
  interfaceKindLabel,
  interfaceKindNote,
  normaliseSelection,
  selectionFromReport,
  type SearchSelection,
} from './search-settings.js';
import { useDevicesStore } from './store.js';

const NOTHING: SearchSelection = { interfaces: [], serialPorts: [] };

function InterfaceChoice({
  iface,
  checked,
  onToggle,
}: {
  iface: InterfaceReport;
  checked: boolean;
  onToggle(name: string, on: boolean): void;
}): React.ReactElement {
  const note = interfaceKindNote(iface.kind);
  const hintId = `iface-${iface.name}-hint`;
  return (
    <li className={`choice choice--${iface.kind}`} data-testid="search-interface" data-interface={iface.name} data-kind={iface.kind}>
      <label className="choice__label">
        <input
          type="checkbox"
          checked={checked}
          onChange={(event) => onToggle(iface.name, event.target.checked)}
          aria-describedby={note === null && iface.error === undefined ? undefined : hintId}
          data-testid="search-interface-checkbox"
        />
        <span className="mono choice__name">{iface.name}</span>
        <span className="mono muted">{iface.address === '' ? 'no IPv4 address' : iface.address}</span>
        <span className={`tag tag--${iface.kind}`} data-testid="search-interface-kind">
          {interfaceKindLabel(iface.kind)}
        </span>
      </label>
      {note === null && iface.error === undefined ? null : (
        <p id={hintId} className="choice__hint">
          {[iface.error === undefined ? null : `${iface.error[0]?.toUpperCase() ?? ''}${iface.error.slice(1)}.`, note]
            .filter((t) => t !== null)
            .join(' ')}
        </p>
      )}
    </li>
  );
}

export function SearchSettings({ onDone }: { onDone(): void }): React.ReactElement {
  const report = useDevicesStore((s) => s.report);
  const applied = useDevicesStore((s) => s.searchSelection);
  const apply = useDevicesStore((s) => s.searchApply);
  const [initial] = useState<SearchSelection>(() => applied ?? (report === null ? NOTHING : selectionFromReport(report)));
  const [ticked, setTicked] = useState<ReadonlySet<string>>(() => new Set(initial.interfaces));
  const [serialText, setSerialText] = useState(() => formatSerialList(initial.serialPorts));
  const [problem, setProblem] = useState<UiError | null>(null);
  const interfaces = report?.interfaces ?? [];
  const busy = apply.status === 'loading';

  const toggle = (name: string, on: boolean): void => {
    setProblem(null);
    setTicked((current) => {
      const next = new Set(current);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });
  };

  const submit = async (): Promise<void> => {
    const result = normaliseSelection(interfaces, ticked, serialText);
    if (!result.ok) {
      setProblem({ code: result.code, message: result.message, fix: result.fix });
      return;
    }
    setProblem(null);
    if (await applySearchSelection(result.selection)) onDone();
  };

  return (
    <form
      className="search-settings"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <fieldset className="fieldset">
        <legend>Network interfaces to search</legend>
        {interfaces.length === 0 ? (
          <p className="muted">The engine has not listed any network interface yet. Start discovery, then open this again.</p>
        ) : (
          <ul className="choices" data-testid="search-interfaces">
            {interfaces.map((iface) => (
              <InterfaceChoice key={iface.name} iface={iface} checked={ticked.has(iface.name)} onToggle={toggle} />
            ))}
          </ul>
        )}
      </fieldset>
      <label className="field">
        <span className="field__label">Serial ports to probe</span>
        <input
          type="text"
          value={serialText}
          onChange={(event) => {
            setProblem(null);
            setSerialText(event.target.value);
          }}
          placeholder="/dev/ttyUSB0, COM3"
          spellCheck={false}
          autoComplete="off"
          aria-describedby="serial-ports-help"
          data-testid="search-serial-input"
        />
        <span id="serial-ports-help" className="field__help">
          Comma separated. Adapters Fieldline recognises are probed anyway; name any other port the gateway is on.
        </span>
      </label>
      {problem === null ? null : <ErrorNotice error={problem} testId="search-settings-problem" />}
      {apply.status === 'error' ? (
        <ErrorNotice error={apply.error} title="Discovery could not restart" testId="search-settings-error" />
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy} data-testid="search-settings-apply">
          {busy ? 'Restarting discovery…' : 'Apply and search'}
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
