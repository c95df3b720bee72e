/**
 * The timeline's filters: gateway, kind of action, result, time. Each change is applied in the
 * engine at once; custom dates apply when both fields are valid.
 */
import { useMemo } from 'react';
import { compareDevices } from '../devices/selectors.js';
import { useDevicesStore } from '../devices/store.js';
import { ACTION_FAMILIES, FAMILY_LABELS, isActionFamily } from './actions.js';
import { applyFilters, clearFilters } from './audit-service.js';
import { RESULTS, TIME_RANGES, TIME_RANGE_LABELS, hasFilters, type AuditFilters } from './filters.js';
import { useAuditStore } from './store.js';

const RESULT_LABELS: Readonly<Record<(typeof RESULTS)[number], string>> = {
  ok: 'OK',
  failed: 'Failed',
  refused: 'Refused',
  cancelled: 'Cancelled',
};

function isResult(value: string): value is (typeof RESULTS)[number] {
  return (RESULTS as readonly string[]).includes(value);
}

function isRange(value: string): value is AuditFilters['range'] {
  return (TIME_RANGES as readonly string[]).includes(value);
}

/** Gateways the registry knows, plus any the loaded entries name that it has forgotten. */
function useDeviceChoices(): readonly { id: string; label: string }[] {
  const devices = useDevicesStore((s) => s.devices);
  const entries = useAuditStore((s) => s.entries);
  const selected = useAuditStore((s) => s.filters.deviceId);
  return useMemo(() => {
    const known = [...devices.values()].sort(compareDevices).map((d) => ({ id: d.id, label: `${d.name} · ${d.id.slice(0, 12)}` }));
    const ids = new Set(known.map((d) => d.id));
    const others: { id: string; label: string }[] = [];
    for (const id of [...entries.map((e) => e.device), selected]) {
      if (id === null || id === '' || ids.has(id)) continue;
      ids.add(id);
      others.push({ id, label: `${id.slice(0, 12)} (not seen since the app started)` });
    }
    return [...known, ...others];
  }, [devices, entries, selected]);
}

export function FilterBar(): React.ReactElement {
  const filters = useAuditStore((s) => s.filters);
  const problem = useAuditStore((s) => s.filterProblem);
  const choices = useDeviceChoices();
  const change = (patch: Partial<AuditFilters>): void => applyFilters({ ...filters, ...patch });

  return (
    <div className="audit-filters" role="group" aria-label="Filter the audit log" data-testid="audit-filters">
      <label className="audit-filter">
        <span>Gateway</span>
        <select value={filters.deviceId} onChange={(e) => change({ deviceId: e.target.value })} data-testid="audit-filter-device">
          <option value="">All gateways</option>
          {choices.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label className="audit-filter">
        <span>Action</span>
        <select
          value={filters.family}
          onChange={(e) => change({ family: isActionFamily(e.target.value) ? e.target.value : '' })}
          data-testid="audit-filter-action"
        >
          <option value="">All actions</option>
          {ACTION_FAMILIES.map((f) => (
            <option key={f} value={f}>
              {FAMILY_LABELS[f]}
            </option>
          ))}
        </select>
      </label>
      <label className="audit-filter">
        <span>Result</span>
        <select
          value={filters.result}
          onChange={(e) => change({ result: isResult(e.target.value) ? e.target.value : '' })}
          data-testid="audit-filter-result"
        >
          <option value="">Any result</option>
          {RESULTS.map((r) => (
            <option key={r} value={r}>
              {RESULT_LABELS[r]}
            </option>
          ))}
        </select>
      </label>
      <label className="audit-filter">
        <span>When</span>
        <select
          value={filters.range}
          onChange={(e) => (isRange(e.target.value) ? change({ range: e.target.value }) : undefined)}
          data-testid="audit-filter-range"
        >
          {TIME_RANGES.map((r) => (
            <option key={r} value={r}>
              {TIME_RANGE_LABELS[r]}
            </option>
          ))}
        </select>
      </label>
      {filters.range === 'custom' ? (
        <>
          <label className="audit-filter">
            <span>From</span>
            <input type="date" value={filters.from} onChange={(e) => change({ from: e.target.value })} data-testid="audit-filter-from" />
          </label>
          <label className="audit-filter">
            <span>To</span>
            <input type="date" value={filters.to} onChange={(e) => change({ to: e.target.value })} data-testid="audit-filter-to" />
          </label>
        </>
      ) : null}
      {hasFilters(filters) ? (
        <button
          type="button"
          className="button button--small audit-filters__clear"
          onClick={() => clearFilters(filters)}
          data-testid="audit-filter-clear"
        >
          Show everything
        </button>
      ) : null}
      {problem === null ? null : (
        <p className="form__problem audit-filters__problem" role="alert" data-testid="audit-filter-problem">
          {problem}
        </p>
      )}
    </div>
  );
}
