/**
 * A diagnosis: the verdict and its explanation in words, then per golden case × output the errors.
 */
import type { DiagnosisRecord } from '../../core/api/schemas.js';
import { DIAGNOSIS_TEXT, formatError } from './format.js';

export function DiagnosisResult({ record }: { record: DiagnosisRecord }): React.ReactElement {
  return (
    <section className="bench-diagnosis" data-testid="bench-diagnosis" data-verdict={record.verdict} aria-label="Diagnosis">
      <div className={`notice ${record.ok ? 'notice--ok' : 'notice--error'}`}>
        <p className="notice__title" data-testid="bench-diagnosis-verdict">
          {DIAGNOSIS_TEXT[record.verdict]}
        </p>
        <p data-testid="bench-diagnosis-explanation">{record.explanation}</p>
        <p className="muted">
          {record.cases - record.failedCases} of {record.cases} golden inputs agree · reference {record.bundleLabel}
        </p>
        {record.notes.length === 0 ? null : (
          <ul className="bench-reasons">
            {record.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        )}
      </div>
      {record.comparisons.length === 0 ? null : (
        <table className="table bench-diagnosis__table" data-testid="bench-diagnosis-table">
          <thead>
            <tr>
              <th scope="col">Input</th>
              <th scope="col">Output</th>
              <th scope="col" className="num">
                Max abs. error
              </th>
              <th scope="col" className="num">
                Max rel. error
              </th>
              <th scope="col" className="num">
                Cosine similarity
              </th>
              <th scope="col">Top-k</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {record.comparisons.map((c) => (
              <tr key={`${c.case}/${c.output}`} data-ok={c.ok} data-testid="bench-diagnosis-row">
                <td>{c.case}</td>
                <td>{c.output}</td>
                <td className="num">{formatError(c.maxAbs)}</td>
                <td className="num">{formatError(c.maxRel)}</td>
                <td className="num">{formatError(c.cosine)}</td>
                <td>{c.topK === undefined ? '—' : `top-${c.topK.k} ${c.topK.agree ? 'agrees' : 'differs'}`}</td>
                <td title={c.message}>{c.ok ? 'Pass' : `Fail — ${c.message}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
