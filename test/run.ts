/**
 * `npm test`: unit and integration suites on node's test runner, then the Playwright e2e specs,
 * then one closing line that counts all of them.
 *
 * Usage: tsx test/run.ts [unit|integration|e2e]...   (default: all three)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Suite = 'unit' | 'integration' | 'e2e';
interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const root = join(import.meta.dirname, '..');
const requested = process.argv.slice(2) as Suite[];
const suites: Suite[] = requested.length ? requested : ['unit', 'integration', 'e2e'];

function testFiles(dir: string): string[] {
  const abs = join(root, 'test', dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join('test', dir, f));
}

function runNodeSuite(suite: 'unit' | 'integration'): Counts {
  const files = testFiles(suite);
  if (!files.length) return { passed: 0, failed: 0, skipped: 0 };
  const tap = join(mkdtempSync(join(tmpdir(), 'fieldline-test-')), `${suite}.tap`);
  console.log(`\n=== ${suite}: ${files.length} files`);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      // Integration suites share network namespaces, ports and ptys: run their files one at a time.
      `--test-concurrency=${suite === 'integration' ? 1 : 2}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: process.env },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key: string): number => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const counts = { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') };
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1; // the runner itself failed
  return counts;
}

function runPlaywright(): Counts {
  // The e2e specs drive the built UI; build it when this checkout has not been built yet.
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    console.log('\n=== e2e: building the app first (npm run build)');
    if (spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) return { passed: 0, failed: 1, skipped: 0 };
  }
  const json = join(mkdtempSync(join(tmpdir(), 'fieldline-e2e-')), 'report.json');
  console.log('\n=== e2e (Playwright, Debian Chromium)');
  const run = spawnSync(process.execPath, [join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '--reporter=list,json'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: json },
  });
  if (!existsSync(json)) return { passed: 0, failed: 1, skipped: 0 };
  const stats = (
    JSON.parse(readFileSync(json, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } }
  ).stats;
  const counts = { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped };
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const suite of suites) {
  const counts = suite === 'e2e' ? runPlaywright() : runNodeSuite(suite);
  console.log(`--- ${suite}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
