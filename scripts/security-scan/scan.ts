/**
 * Runs the rules of rules.ts over electron/ and renderer/.
 *
 * `npx tsx scripts/security-scan/scan.ts` prints every finding and exits 1 when there is one;
 * test/unit/security-scan.test.ts runs the same scan in `npm test`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkRequiredGuards, scanSource, type Finding, type Scope } from './rules.js';

const SOURCE = /\.(?:ts|tsx|cts|mts)$/;
const SKIP = /(^|\/)(node_modules|dist)(\/|$)|\.d\.ts$/;

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .map((file) => `${dir}/${file.split('\\').join('/')}`)
    .filter((file) => SOURCE.test(file) && !SKIP.test(file))
    .sort();
}

/**
 * Findings a person has reviewed and accepted, each with the reason; matched by file, rule and
 * a piece of the offending line so that a new occurrence in the same file is still reported.
 * The scan fails on an exception that no longer matches anything (it would hide the next one).
 */
export interface ReviewedFinding {
  readonly file: string;
  readonly rule: Finding['rule'];
  readonly lineContains: string;
  readonly reason: string;
}

export const REVIEWED: readonly ReviewedFinding[] = [
  {
    file: 'renderer/bench/bench-service.ts',
    rule: 'html-injection',
    lineContains: 'parseFromString(report.content',
    reason:
      "Print view of the engine's own bench report (core/bench/report-html.ts escapes every value with escapeHtml); " +
      "DOMParser documents are inert, <script> and <style> are removed, and the CSP (script-src 'self', no 'unsafe-inline') " +
      'blocks inline event handlers. Suggested hardening for the renderer owner: drop on* attributes and non-http(s)/data: URLs too.',
  },
];

export interface ScanResult {
  readonly files: number;
  /** Findings nobody has accepted: the scan fails on any. */
  readonly findings: readonly Finding[];
  readonly accepted: readonly (Finding & { readonly reason: string })[];
  /** Reviewed exceptions that matched nothing. */
  readonly stale: readonly ReviewedFinding[];
}

export function scanTree(root: string, reviewed: readonly ReviewedFinding[] = REVIEWED): ScanResult {
  const all: Finding[] = [];
  const lines = new Map<string, string[]>();
  let files = 0;
  const electron: { path: string; text: string }[] = [];
  for (const scope of ['electron', 'renderer'] as const satisfies readonly Scope[]) {
    for (const path of sourceFiles(root, scope)) {
      const text = readFileSync(join(root, path), 'utf8');
      files++;
      lines.set(path, text.split('\n'));
      if (scope === 'electron') electron.push({ path, text });
      all.push(...scanSource(path, text, scope));
    }
  }
  all.push(...checkRequiredGuards(electron));
  const findings: Finding[] = [];
  const accepted: (Finding & { reason: string })[] = [];
  const used = new Set<ReviewedFinding>();
  for (const finding of all) {
    const line = lines.get(finding.file)?.[finding.line - 1] ?? '';
    const review = reviewed.find((r) => r.file === finding.file && r.rule === finding.rule && line.includes(r.lineContains));
    if (review === undefined) {
      findings.push(finding);
    } else {
      used.add(review);
      accepted.push({ ...finding, reason: review.reason });
    }
  }
  return { files, findings, accepted, stale: reviewed.filter((r) => !used.has(r)) };
}

export function formatFinding(f: Finding): string {
  return `${f.file}${f.line > 0 ? `:${f.line}` : ''}  [${f.rule}] ${f.message}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..', '..');
  const { files, findings, accepted, stale } = scanTree(root);
  for (const finding of findings) console.log(formatFinding(finding));
  for (const review of stale)
    console.log(`${review.file}  [${review.rule}] reviewed exception matches nothing any more: remove it from REVIEWED`);
  console.log(
    `security scan: ${files} files in electron/ and renderer/, ${findings.length} finding${findings.length === 1 ? '' : 's'}, ${accepted.length} reviewed`,
  );
  process.exitCode = findings.length > 0 || stale.length > 0 ? 1 : 0;
}
