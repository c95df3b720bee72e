/**
 * The only code that talks to the engine about the audit log.
 */
import type { AuditListParams } from '../../core/api/audit-schemas.js';
import { downloadText } from '../flash/download.js';
import { api } from '../services/api-client.js';
import { onEngineReady } from '../services/engine-ready.js';
import { toUiError } from '../services/ui-error.js';
import { filtersToParams, hasFilters, type AuditFilters } from './filters.js';
import { isEmptyPatch, settingsPatch, type SyncSettings } from './settings.js';
import { auditActions, useAuditStore } from './store.js';
import { mergeEntries } from './timeline.js';

/** New entries come in bursts (a flash job writes several per gateway): one reload per burst. */
const APPENDED_SETTLE_MS = 250;

/** Bumped whenever the filters change, so an answer for the old filters is dropped. */
let generation = 0;

function currentParams(before?: number): AuditListParams | null {
  const check = filtersToParams(useAuditStore.getState().filters, Date.now(), before);
  return check.ok ? check.params : null;
}

/** The session of the log's newest entry, whatever the filters show. */
async function loadHeadSession(): Promise<void> {
  try {
    const head = await api().audit.list({ limit: 1 });
    auditActions.headSession(head.entries[0]?.session ?? null);
  } catch {
    // Without it an unanswered intent reads "in progress"; the timeline itself reports the error.
  }
}

/** The first page for the current filters, replacing whatever was loaded. */
export async function reloadTimeline(): Promise<void> {
  const params = currentParams();
  if (params === null) return;
  const mine = ++generation;
  auditActions.list({ status: 'loading' });
  try {
    const [page] = await Promise.all([api().audit.list(params), loadHeadSession()]);
    if (mine !== generation) return;
    auditActions.page(page.entries, page.more);
    auditActions.older({ status: 'idle' });
  } catch (err) {
    if (mine === generation) auditActions.list({ status: 'error', error: toUiError(err) });
  }
}

/**
 * New entries on top of what is loaded, keeping the older pages the technician paged back to.
 * When more arrived than one page holds, the gap cannot be seen: start again from the top.
 */
async function refreshNewest(): Promise<void> {
  const params = currentParams();
  if (params === null) return;
  const mine = generation;
  try {
    const [page] = await Promise.all([api().audit.list(params), loadHeadSession()]);
    if (mine !== generation) return;
    const { entries } = useAuditStore.getState();
    const newestLoaded = entries[0]?.seq ?? 0;
    const oldestNew = page.entries.at(-1)?.seq ?? 0;
    if (page.more && oldestNew > newestLoaded) auditActions.page(page.entries, page.more);
    else auditActions.page(mergeEntries(entries, page.entries), useAuditStore.getState().more || page.more);
  } catch (err) {
    if (mine === generation) auditActions.list({ status: 'error', error: toUiError(err) });
  }
}

export async function loadOlder(): Promise<void> {
  const { entries, older } = useAuditStore.getState();
  const oldest = entries.at(-1)?.seq;
  if (oldest === undefined || older.status === 'loading') return;
  const params = currentParams(oldest);
  if (params === null) return;
  const mine = generation;
  auditActions.older({ status: 'loading' });
  try {
    const page = await api().audit.list(params);
    if (mine !== generation) return;
    auditActions.page(mergeEntries(useAuditStore.getState().entries, page.entries), page.more);
    auditActions.older({ status: 'idle' });
  } catch (err) {
    if (mine === generation) auditActions.older({ status: 'error', error: toUiError(err) });
  }
}

/** Applies the filters in the engine; a bad custom date is reported and nothing is reloaded. */
export function applyFilters(filters: AuditFilters): void {
  const check = filtersToParams(filters, Date.now());
  auditActions.filters(filters, check.ok ? null : check.message);
  if (check.ok) void reloadTimeline();
}

export function clearFilters(filters: AuditFilters): void {
  if (hasFilters(filters)) applyFilters({ ...filters, deviceId: '', family: '', result: '', range: 'all' });
}

/** Opens an entry in the details panel: from the timeline, or fetched by its seq. */
export async function selectEntry(seq: number | null): Promise<void> {
  if (seq === null) {
    auditActions.select(null, { status: 'idle' });
    return;
  }
  const loaded = useAuditStore.getState().entries.find((e) => e.seq === seq);
  if (loaded !== undefined) {
    auditActions.select(seq, { status: 'ready', value: loaded });
    return;
  }
  auditActions.select(seq, { status: 'loading' });
  try {
    const page = await api().audit.list({ before: seq + 1, limit: 1 });
    const entry = page.entries[0];
    if (useAuditStore.getState().selectedSeq !== seq) return;
    if (entry === undefined || entry.seq !== seq) {
      auditActions.select(seq, {
        status: 'error',
        error: {
          code: 'entry_missing',
          message: `The log holds no entry #${seq}.`,
          fix: 'Run “Verify now”: a missing entry breaks the chain.',
        },
      });
    } else auditActions.select(seq, { status: 'ready', value: entry });
  } catch (err) {
    if (useAuditStore.getState().selectedSeq === seq) auditActions.select(seq, { status: 'error', error: toUiError(err) });
  }
}

export async function loadStatus(): Promise<void> {
  try {
    auditActions.status({ status: 'ready', value: await api().audit.status() });
  } catch (err) {
    auditActions.status({ status: 'error', error: toUiError(err) });
  }
}

export async function verifyChain(): Promise<void> {
  if (useAuditStore.getState().chain.status === 'loading') return;
  auditActions.chain({ status: 'loading' });
  try {
    auditActions.chain({ status: 'ready', value: await api().audit.verify() });
  } catch (err) {
    auditActions.chain({ status: 'error', error: toUiError(err) });
  }
}

export async function syncNow(): Promise<void> {
  if (useAuditStore.getState().syncNow.status === 'loading') return;
  auditActions.syncNow({ status: 'loading' });
  try {
    auditActions.sync(await api().audit.sync());
    auditActions.syncNow({ status: 'ready', value: true });
  } catch (err) {
    auditActions.syncNow({ status: 'error', error: toUiError(err) });
  }
}

/** Saves what changed in the upload settings; the engine's validation message is shown as it is. */
export async function saveSettings(form: SyncSettings): Promise<boolean> {
  const status = useAuditStore.getState().status;
  if (status.status !== 'ready') return false;
  const check = settingsPatch(form, status.value);
  if (!check.ok) {
    auditActions.configure({ status: 'error', error: { code: 'invalid_params', message: check.message } });
    return false;
  }
  if (isEmptyPatch(check.params)) {
    auditActions.configure({ status: 'ready', value: 'unchanged' });
    return true;
  }
  auditActions.configure({ status: 'loading' });
  try {
    auditActions.status({ status: 'ready', value: await api().audit.configure(check.params) });
    auditActions.configure({ status: 'ready', value: 'saved' });
    return true;
  } catch (err) {
    auditActions.configure({ status: 'error', error: toUiError(err) });
    return false;
  }
}

export function dismissSettingsResult(): void {
  auditActions.configure({ status: 'idle' });
}

/** "Export for sneakernet": everything the receiver has not acknowledged, as a signed file. */
export async function exportForSneakernet(): Promise<void> {
  auditActions.exported({ status: 'loading' });
  try {
    const file = await api().audit.export({});
    downloadText(file.fileName, file.mediaType, file.content);
    auditActions.exported({ status: 'ready', value: { fileName: file.fileName, first: file.first, last: file.last, count: file.count } });
  } catch (err) {
    auditActions.exported({ status: 'error', error: toUiError(err) });
  }
}

/** Started once at launch: the status bar needs the queue and the chain whichever view shows. */
export function startAuditSync(): () => void {
  let settle: ReturnType<typeof setTimeout> | undefined;
  const offAppended = api().on('audit.appended', () => {
    clearTimeout(settle);
    settle = setTimeout(() => {
      void refreshNewest();
      void loadStatus();
    }, APPENDED_SETTLE_MS);
  });
  const offSync = api().on('audit.sync', (sync) => auditActions.sync(sync));
  const offLink = onEngineReady(() => {
    void loadStatus();
    void reloadTimeline();
    void verifyChain();
  });
  return () => {
    clearTimeout(settle);
    offAppended();
    offSync();
    offLink();
  };
}
