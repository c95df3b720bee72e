/**
 * The Audit view: the timeline with its filters on the left; on the right the open entry, or
 * the chain's state, the upload queue and the sneakernet export.
 */
import { ChainStatus } from './ChainStatus.js';
import { EntryDetails } from './EntryDetails.js';
import { FilterBar } from './FilterBar.js';
import { useAuditStore } from './store.js';
import { SyncPanel } from './SyncPanel.js';
import { Timeline } from './Timeline.js';

export function AuditView(): React.ReactElement {
  const open = useAuditStore((s) => s.selectedSeq !== null);
  return (
    <div className="audit-view" data-testid="audit-view">
      <section className="audit-view__main" aria-labelledby="audit-title">
        <h2 id="audit-title" className="audit-view__title">
          Audit log
        </h2>
        <FilterBar />
        <div className="audit-timeline">
          <Timeline />
        </div>
      </section>
      <div className="audit-view__side">
        {open ? (
          <EntryDetails />
        ) : (
          <div className="audit-view__panels">
            <ChainStatus />
            <SyncPanel />
          </div>
        )}
      </div>
    </div>
  );
}
