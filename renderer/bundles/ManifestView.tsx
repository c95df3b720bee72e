/**
 * The signed manifest in words and tables; the raw JSON one click away for support.
 */
import type { BundleManifest } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';
import { KIND_LABELS, exactBytes, formatSize, hardwareText, manifestDate, shapeText } from './format.js';

function ModelSection({ model }: { model: NonNullable<BundleManifest['model']> }): React.ReactElement {
  return (
    <>
      <h4>Model inputs and outputs</h4>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Tensor</th>
            <th scope="col">Direction</th>
            <th scope="col">Type</th>
            <th scope="col">Shape</th>
          </tr>
        </thead>
        <tbody>
          {[...model.inputs.map((t) => ({ t, dir: 'Input' })), ...model.outputs.map((t) => ({ t, dir: 'Output' }))].map(({ t, dir }) => (
            <tr key={`${dir}-${t.name}`}>
              <td className="mono">{t.name}</td>
              <td>{dir}</td>
              <td className="mono">{t.type}</td>
              <td className="mono">{shapeText(t.shape)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Golden cases</h4>
      {model.golden.length === 0 ? (
        <p className="muted">None: diagnostics cannot compare outputs for this model.</p>
      ) : (
        <ul className="plain-list">
          {model.golden.map((g) => (
            <li key={g.name}>
              <strong>{g.name}</strong> — tolerance max abs {g.tolerance.maxAbs}, max rel {g.tolerance.maxRel}
              {g.tolerance.minCosine === undefined ? '' : `, cosine ≥ ${g.tolerance.minCosine}`}
              {g.tolerance.topK === undefined ? '' : `, top-${g.tolerance.topK} agreement`}
            </li>
          ))}
        </ul>
      )}
      <h4>Latency baselines</h4>
      {model.baselines.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Hardware class</th>
              <th scope="col" className="num">
                p50 (ms)
              </th>
              <th scope="col" className="num">
                p99 (ms)
              </th>
              <th scope="col" className="num">
                Throughput (/s)
              </th>
              <th scope="col" className="num">
                Tolerance (%)
              </th>
            </tr>
          </thead>
          <tbody>
            {model.baselines.map((b) => (
              <tr key={b.hardwareClass}>
                <td>{b.hardwareClass}</td>
                <td className="num">{b.p50Ms}</td>
                <td className="num">{b.p99Ms}</td>
                <td className="num">{b.throughputPerSec ?? '—'}</td>
                <td className="num">{b.tolerancePct}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function PayloadList({ manifest }: { manifest: BundleManifest }): React.ReactElement {
  return (
    <ul className="plain-list payload-list" data-testid="bundle-payloads">
      {manifest.payloads.map((p) => (
        <li key={p.path} className="payload" data-testid="bundle-payload">
          <div className="payload__head">
            <code className="payload__path">{p.path}</code>
            <span className="chip">{p.target}</span>
            <span title={exactBytes(p.size)}>{formatSize(p.size)}</span>
            {p.compression === undefined ? null : (
              <span className="muted">gzip{p.uncompressed === undefined ? '' : ` → ${formatSize(p.uncompressed.size)}`}</span>
            )}
          </div>
          <div className="payload__hash">
            <span className="label">SHA-256 </span>
            <CopyableValue value={p.sha256} label={`SHA-256 of ${p.path}`} testId="payload-sha256" />
          </div>
          {p.uncompressed === undefined ? null : (
            <div className="payload__hash">
              <span className="label">SHA-256 unpacked </span>
              <CopyableValue value={p.uncompressed.sha256} label={`unpacked SHA-256 of ${p.path}`} />
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ManifestView({ manifest, json }: { manifest: BundleManifest; json: string | null }): React.ReactElement {
  return (
    <div data-testid="bundle-manifest">
      <dl className="fields">
        <dt>Name</dt>
        <dd>{manifest.name}</dd>
        <dt>Kind</dt>
        <dd>{KIND_LABELS[manifest.kind]}</dd>
        <dt>Version</dt>
        <dd className="mono">{manifest.version}</dd>
        <dt>Security counter</dt>
        <dd>{manifest.securityCounter}</dd>
        <dt>Hardware</dt>
        <dd>{hardwareText(manifest.hardware)}</dd>
        <dt>Created</dt>
        <dd>{manifestDate(manifest.created)}</dd>
        <dt>Expires</dt>
        <dd>{manifestDate(manifest.expires)}</dd>
        <dt>Payloads</dt>
        <dd>
          {manifest.payloads.length} file{manifest.payloads.length === 1 ? '' : 's'},{' '}
          {formatSize(manifest.payloads.reduce((sum, p) => sum + p.size, 0))}
        </dd>
        <dt>Schema</dt>
        <dd className="mono">{manifest.schema}</dd>
      </dl>
      {manifest.releaseNotes === undefined || manifest.releaseNotes.trim() === '' ? null : (
        <>
          <h4>Release notes</h4>
          <p className="release-notes">{manifest.releaseNotes}</p>
        </>
      )}
      {manifest.model === undefined ? null : <ModelSection model={manifest.model} />}
      {json === null ? null : (
        <details className="raw-json">
          <summary>Raw manifest JSON</summary>
          <pre data-testid="bundle-manifest-json">{json}</pre>
        </details>
      )}
    </div>
  );
}
