/**
 * The Devices view: every gateway around the technician, live, with the open one beside it.
 */
import { useMemo, useRef, useState } from 'react';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { Popover } from '../shared/Popover.js';
import { AddByAddress } from './AddByAddress.js';
import { DeviceList, type FocusRequest } from './DeviceList.js';
import { DevicePanel } from './DevicePanel.js';
import { DiscoveryReportView } from './DiscoveryReportView.js';
import { EmptyState } from './EmptyState.js';
import { closeDevice, openDevice, setDiscoveryRunning, setQuery, showReport, showToolbarPanel } from './devices-service.js';
import { describeSelection, selectionFromReport } from './search-settings.js';
import { SearchSettings } from './SearchSettings.js';
import { countDevices, visibleDevices, type DeviceCounts } from './selectors.js';
import { useDevicesStore, type ToolbarPanel } from './store.js';

/** `canShowReport` is false while the list is empty: the empty state already shows the report. */
function Toolbar({ onSearchArrowDown, canShowReport }: { onSearchArrowDown(): void; canShowReport: boolean }): React.ReactElement {
  const query = useDevicesStore((s) => s.query);
  const running = useDevicesStore((s) => s.report?.running ?? false);
  const action = useDevicesStore((s) => s.discoveryAction);
  const reportOpen = useDevicesStore((s) => s.reportOpen);
  const panel = useDevicesStore((s) => s.toolbarPanel);
  const searchButton = useRef<HTMLButtonElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);

  const toggle = (which: Exclude<ToolbarPanel, 'none'>): void => showToolbarPanel(panel === which ? 'none' : which);
  const close = (): void => {
    const opener = panel === 'search' ? searchButton.current : panel === 'add' ? addButton.current : null;
    showToolbarPanel('none');
    opener?.focus();
  };

  return (
    <div className="toolbar">
      <label className="search">
        <span className="visually-hidden">Filter gateways</span>
        <input
          type="search"
          value={query}
          placeholder="Filter by name, model, serial, address…"
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'ArrowDown') {
              event.preventDefault();
              onSearchArrowDown();
            }
          }}
          data-testid="device-filter"
        />
      </label>
      <button
        ref={searchButton}
        type="button"
        className="button"
        aria-expanded={panel === 'search'}
        aria-controls="search-settings-popover"
        onClick={() => toggle('search')}
        data-testid="search-settings-toggle"
      >
        Search settings
      </button>
      <button
        ref={addButton}
        type="button"
        className="button"
        aria-expanded={panel === 'add'}
        aria-controls="add-device-popover"
        onClick={() => toggle('add')}
        data-testid="add-device-toggle"
      >
        Add by address
      </button>
      <button
        type="button"
        className="button"
        onClick={() => void setDiscoveryRunning(!running)}
        disabled={action.status === 'loading'}
        data-testid="discovery-toggle"
      >
        {running ? 'Stop discovery' : 'Start discovery'}
      </button>
      {canShowReport ? (
        <button
          type="button"
          className="button"
          aria-pressed={reportOpen}
          onClick={() => showReport(!reportOpen)}
          data-testid="report-toggle"
        >
          Why not found?
        </button>
      ) : null}
      {panel === 'search' ? (
        <Popover id="search-settings-popover" title="Search settings" testId="search-settings" onClose={close}>
          <SearchSettings onDone={close} />
        </Popover>
      ) : panel === 'add' ? (
        <Popover id="add-device-popover" title="Add a gateway by its address" testId="add-device" onClose={close}>
          <AddByAddress onCancel={close} />
        </Popover>
      ) : null}
    </div>
  );
}

/** Counts and what discovery is searching, so a narrowed search is never forgotten. */
function SummaryLine({ counts, shown, query }: { counts: DeviceCounts; shown: number; query: string }): React.ReactElement {
  const report = useDevicesStore((s) => s.report);
  const searching = report === null ? null : report.running ? describeSelection(selectionFromReport(report)) : 'Discovery stopped';
  return (
    <p className="list-summary">
      {counts.total === 0 ? null : (
        <span aria-live="polite" data-testid="device-count">
          {query.trim() === ''
            ? `${counts.online} online${counts.lost > 0 ? `, ${counts.lost} lost` : ''}${counts.usbOnly > 0 ? `, ${counts.usbOnly} USB not answering` : ''}`
            : `${shown} of ${counts.total} match “${query.trim()}”`}
        </span>
      )}
      {searching === null ? null : (
        <>
          {counts.total === 0 ? null : <span aria-hidden="true"> · </span>}
          <span data-testid="search-selection">{searching}</span>{' '}
          <button type="button" className="link-button" onClick={() => showToolbarPanel('search')} data-testid="search-selection-change">
            Change
          </button>
        </>
      )}
    </p>
  );
}

function ReportPanel(): React.ReactElement {
  const report = useDevicesStore((s) => s.report);
  return (
    <aside className="side-panel" aria-labelledby="report-heading" data-testid="report-panel">
      <header className="side-panel__header">
        <h2 id="report-heading">Discovery report</h2>
        <button type="button" className="button button--small" onClick={() => showReport(false)}>
          Close
        </button>
      </header>
      <div className="side-panel__body">
        {report === null ? <p className="muted">No report yet.</p> : <DiscoveryReportView report={report} />}
      </div>
    </aside>
  );
}

export function DevicesView(): React.ReactElement {
  const devices = useDevicesStore((s) => s.devices);
  const query = useDevicesStore((s) => s.query);
  const listLoad = useDevicesStore((s) => s.listLoad);
  const report = useDevicesStore((s) => s.report);
  const openId = useDevicesStore((s) => s.openId);
  const detail = useDevicesStore((s) => s.detail);
  const auth = useDevicesStore((s) => s.auth);
  const reportOpen = useDevicesStore((s) => s.reportOpen);
  const action = useDevicesStore((s) => s.discoveryAction);
  const [focusRequest, setFocusRequest] = useState<FocusRequest>({ seq: 0, target: 'first' });

  const visible = useMemo(() => visibleDevices(devices.values(), query), [devices, query]);
  const counts = useMemo(() => countDevices(devices.values()), [devices]);
  const openDeviceData = openId === null ? undefined : devices.get(openId);

  const closePanel = (): void => {
    closeDevice();
    setFocusRequest((r) => ({ seq: r.seq + 1, target: 'active' }));
  };

  let list: React.ReactElement;
  if (listLoad.status === 'error') {
    list = <ErrorNotice error={listLoad.error} title="Could not load the device list" testId="devices-load-error" />;
  } else if (counts.total === 0) {
    list =
      listLoad.status === 'ready' ? (
        <>
          <SummaryLine counts={counts} shown={visible.length} query={query} />
          <EmptyState report={report} onAddByAddress={() => showToolbarPanel('add')} />
        </>
      ) : (
        <p className="muted">Loading the device list…</p>
      );
  } else {
    list = (
      <>
        <SummaryLine counts={counts} shown={visible.length} query={query} />
        {visible.length === 0 ? (
          <div className="empty-state" data-testid="devices-no-match">
            <p>No gateway matches “{query.trim()}”.</p>
            <button type="button" className="button" onClick={() => setQuery('')}>
              Clear the filter
            </button>
          </div>
        ) : (
          <DeviceList devices={visible} openId={openId} onOpen={(id) => void openDevice(id)} focusRequest={focusRequest} />
        )}
      </>
    );
  }

  return (
    <div className="devices-view" data-testid="devices-view">
      <div
        className="devices-view__main"
        onKeyDown={(event) => {
          if (event.key === 'Escape' && openId !== null) closePanel();
        }}
      >
        <Toolbar canShowReport={counts.total > 0} onSearchArrowDown={() => setFocusRequest((r) => ({ seq: r.seq + 1, target: 'first' }))} />
        {action.status === 'error' ? (
          <ErrorNotice error={action.error} title="Discovery could not change state" testId="discovery-error" />
        ) : null}
        {list}
      </div>
      {openDeviceData !== undefined ? (
        <div
          className="devices-view__side"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              closePanel();
            }
          }}
        >
          <DevicePanel device={openDeviceData} detail={detail} auth={auth} onClose={closePanel} />
        </div>
      ) : reportOpen && counts.total > 0 ? (
        <div className="devices-view__side">
          <ReportPanel />
        </div>
      ) : null}
    </div>
  );
}
