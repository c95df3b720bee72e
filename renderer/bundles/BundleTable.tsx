/**
 * The library as a table: every bundle, verified or refused, with why.
 */
import type { BundleSummary } from '../../core/api/schemas.js';
import { KIND_LABELS, exactBytes, formatSize, hardwareText, signersText } from './format.js';

function Status({ bundle }: { bundle: BundleSummary }): React.ReactElement {
  if (bundle.status === 'verified')
    return (
      <span className="bundle-status bundle-status--ok" data-testid="bundle-status" data-status="verified">
        <span aria-hidden="true">✓ </span>Verified
        {bundle.warnings > 0 ? (
          <span className="bundle-status__warn">
            {' '}
            · <span aria-hidden="true">⚠ </span>
            {bundle.warnings === 1 ? '1 warning' : `${bundle.warnings} warnings`}
          </span>
        ) : null}
      </span>
    );
  return (
    <span className="bundle-status bundle-status--refused" data-testid="bundle-status" data-status="refused">
      <span className="bundle-status__word">
        <span aria-hidden="true">✗ </span>Refused
      </span>
      {bundle.reason === null ? null : (
        <>
          <span className="bundle-status__reason" data-testid="bundle-reason">
            {bundle.reason.message}
          </span>
          <code className="bundle-status__code" data-testid="bundle-reason-code">
            {bundle.reason.code}
          </code>
        </>
      )}
    </span>
  );
}

export function BundleTable({
  bundles,
  openId,
  onOpen,
}: {
  bundles: readonly BundleSummary[];
  openId: string | null;
  onOpen(id: string): void;
}): React.ReactElement {
  return (
    <div className="bundle-table__scroll">
      <table className="table bundle-table" data-testid="bundle-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Version</th>
            <th scope="col">Signers</th>
            <th scope="col">Status</th>
            <th scope="col">Compatible hardware</th>
            <th scope="col" className="num">
              Size
            </th>
          </tr>
        </thead>
        <tbody>
          {bundles.map((b) => (
            <tr
              key={b.id}
              className={`bundle-row${b.id === openId ? ' is-open' : ''}${b.status === 'refused' ? ' is-refused' : ''}`}
              data-testid="bundle-row"
              data-bundle-id={b.id}
              data-status={b.status}
              onClick={() => onOpen(b.id)}
            >
              <td>
                <button
                  type="button"
                  className="link-button bundle-row__open"
                  aria-expanded={b.id === openId}
                  aria-controls="bundle-details"
                  onClick={(event) => {
                    event.stopPropagation();
                    onOpen(b.id);
                  }}
                  data-testid="bundle-open"
                >
                  {b.name ?? b.fileName}
                </button>
                {b.name !== null ? <div className="muted bundle-row__file">{b.fileName}</div> : null}
              </td>
              <td>{b.kind === null ? <span className="muted">Unknown</span> : KIND_LABELS[b.kind]}</td>
              <td className="mono">{b.version ?? '—'}</td>
              <td>{signersText(b)}</td>
              <td>
                <Status bundle={b} />
              </td>
              <td>{hardwareText(b.hardware)}</td>
              <td className="num" title={exactBytes(b.size)}>
                {formatSize(b.size)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
