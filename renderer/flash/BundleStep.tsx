/**
 * Step 1, "What": a bundle from the library. Refused bundles stay listed with the reason and its
 * code, but cannot be chosen (nothing unsigned or tampered is ever written to a gateway).
 */
import type { BundleSummary } from '../../core/api/schemas.js';
import { KIND_LABELS, formatSize, hardwareText } from '../bundles/format.js';
import { useBundlesStore } from '../bundles/store.js';
import { ErrorNotice } from '../shared/ErrorNotice.js';
import { chooseBundle } from './flash-service.js';
import { bundleChoice, orderBundles } from './selection.js';

function BundleOption({ bundle, chosen }: { bundle: BundleSummary; chosen: boolean }): React.ReactElement {
  const choice = bundleChoice(bundle);
  return (
    <li
      className={`flash-option${choice.choosable ? '' : ' flash-option--blocked'}${chosen ? ' flash-option--chosen' : ''}`}
      data-testid="flash-bundle"
      data-bundle-id={bundle.id}
      data-choosable={choice.choosable}
    >
      <div className="flash-option__main">
        <p className="flash-option__title">
          <strong>{bundle.name ?? bundle.fileName}</strong> {bundle.version ?? ''}{' '}
          <span className="chip">{bundle.kind === null ? 'Unknown kind' : KIND_LABELS[bundle.kind]}</span>
        </p>
        <p className="muted">
          {bundle.fileName} · {formatSize(bundle.size)} · for {hardwareText(bundle.hardware)}
        </p>
        {choice.reason === null ? (
          <p className="check check--pass">
            <span className="check__icon" aria-hidden="true">
              ✓
            </span>
            <span className="check__text">
              Verified{bundle.warnings > 0 ? ` with ${bundle.warnings} warning${bundle.warnings === 1 ? '' : 's'}` : ''}
            </span>
          </p>
        ) : (
          <p className="check check--fail" data-testid="flash-bundle-reason">
            <span className="check__icon" aria-hidden="true">
              ✗
            </span>
            <span className="check__text">
              Cannot be flashed: {choice.reason.message}
              <code className="check__code" data-testid="flash-bundle-code">
                {choice.reason.code}
              </code>
            </span>
          </p>
        )}
      </div>
      {choice.choosable ? (
        <button
          type="button"
          className={`button${chosen ? '' : ' button--primary'}`}
          onClick={() => chooseBundle(bundle.id)}
          data-testid="flash-bundle-choose"
          aria-label={`Choose ${bundle.name ?? bundle.fileName} ${bundle.version ?? ''}`}
        >
          {chosen ? 'Chosen — continue' : 'Choose'}
        </button>
      ) : null}
    </li>
  );
}

export function BundleStep({ chosenId }: { chosenId: string | null }): React.ReactElement {
  const bundles = useBundlesStore((s) => s.bundles);
  const listLoad = useBundlesStore((s) => s.listLoad);
  const ordered = orderBundles(bundles);
  return (
    <section className="flash-step" aria-labelledby="flash-what-title" data-testid="flash-what">
      <h2 id="flash-what-title">1 · What goes on the gateways?</h2>
      <p className="muted">Only bundles that passed verification can be flashed. Import more in the Bundles view.</p>
      {listLoad.status === 'error' ? <ErrorNotice error={listLoad.error} title="Could not load the bundle library" /> : null}
      {listLoad.status === 'ready' && bundles.length === 0 ? (
        <p className="notice notice--hint" data-testid="flash-no-bundles">
          The library is empty. Import a signed <code>.flb</code> bundle in the <a href="#bundles">Bundles view</a> first.
        </p>
      ) : null}
      {listLoad.status !== 'ready' && listLoad.status !== 'error' ? <p className="muted">Loading the bundle library…</p> : null}
      <ul className="plain-list flash-options" data-testid="flash-bundles">
        {ordered.map((b) => (
          <BundleOption key={b.id} bundle={b} chosen={b.id === chosenId} />
        ))}
      </ul>
    </section>
  );
}
