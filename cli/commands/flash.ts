/**
 * `fieldline flash`: put a signed bundle on one or more gateways, with progress.
 *
 * The bundle goes into the data directory's library first (so the file that is verified is the
 * file that is sent); gateways are reached by address, or found by id with discovery. For people
 * it draws one line per gateway (redrawn in place on a terminal); `--json` prints JSON lines.
 * Exit code 0 only when every gateway succeeded.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { dispatch } from '../../core/api/dispatch.js';
import type { BundleSummary, FlashExport, FlashJob, FlashJobDetail, FlashProgress, FlashTarget } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { call, resolveGateways } from '../engine-calls.js';
import { CliError, parsePositive, splitList } from '../output.js';
import { reportFormat, runStoredReport, writeReportFile } from '../report-file.js';

export const flashUsage = `fieldline flash <bundle.flb|bundle-id> <device-address|device-id>... [--parallel N] [--json]
                [--report FILE] [--data-dir DIR] [--interfaces lo,eth0] [--timeout S]
  Flashes a signed bundle (a file, imported into the library first, or a library bundle id or its
  first 6+ hex digits) onto gateways given by address (host[:port], /dev/ttyUSB0@921600) or by id
  (6+ hex digits, found by discovery within --timeout S, default 5). Each gateway goes through
  preflight, transfer, verify, install, activate, health check and confirm, or rolls back.
  --parallel N gateways at once (default 4). Exit code 0 only if every gateway succeeded.
  --report FILE writes the job's record when it ends (HTML for .html/.htm, JSON otherwise).
fieldline flash report <job-id> [--html] [--out FILE] [--data-dir DIR]
  The record of a past job (6+ hex digits of its id): bundle, hashes, signers, each gateway with
  its serial and address, every step with its time and outcome, transfer figures, the result and
  the rollback outcome. JSON by default, --html for a printable page; to stdout unless --out.`;

async function writeReport(engine: Engine, jobId: string, format: 'json' | 'html', file: string): Promise<FlashExport> {
  const exported = await call<FlashExport>(engine, 'flash.export', { jobId, format });
  await writeReportFile(file, exported.content);
  return exported;
}

/** `fieldline flash report <job-id>`: the record of a past job. */
function runReport(argv: string[]): Promise<number> {
  return runStoredReport(argv, {
    command: 'flash report',
    idOf: 'job',
    plural: 'flash jobs',
    unknown: 'flash job',
    unknownFix: 'List jobs with the Flash view, or check --data-dir.',
    unknownCode: 'unknown_job',
    usage: flashUsage,
    list: (engine) => call<FlashJob[]>(engine, 'flash.list'),
    export: (engine, jobId, format) => call<FlashExport>(engine, 'flash.export', { jobId, format }),
  });
}

const ID_PREFIX = /^[0-9a-f]{6,64}$/i;

async function resolveBundle(engine: Engine, arg: string): Promise<BundleSummary> {
  const info = await stat(arg).catch(() => null);
  if (info?.isFile()) return call<BundleSummary>(engine, 'bundles.import', { path: arg });
  if (!ID_PREFIX.test(arg))
    throw new CliError(
      `there is no bundle file at ${arg}`,
      'Give the path of a .flb file, or the id of a bundle in the library.',
      'file_not_found',
      1,
    );
  const matches = (await call<BundleSummary[]>(engine, 'bundles.list')).filter((b) => b.id.startsWith(arg.toLowerCase()));
  if (matches.length > 1) throw new CliError(`"${arg}" matches ${matches.length} library bundles; give more digits`);
  if (!matches[0])
    throw new CliError(
      `no bundle in the library has an id starting ${arg}`,
      'Run `fieldline bundle` or import the .flb file by giving its path.',
      'bundle_unknown',
      1,
    );
  return matches[0];
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`;
}

export function describeTarget(t: FlashTarget): string {
  const pct = t.bytesTotal > 0 ? Math.floor((100 * t.bytesSent) / t.bytesTotal) : 0;
  const name = t.deviceName.padEnd(18).slice(0, 18);
  switch (t.state) {
    case 'succeeded':
      return `${name} ✓ ${t.fromVersion ?? '?'} → ${t.toVersion ?? '?'}`;
    case 'skipped':
      return `${name} – skipped: ${t.error?.message ?? ''}`;
    case 'failed':
    case 'cancelled':
    case 'interrupted':
      return `${name} ✗ ${t.state} at ${t.step}: ${t.error?.message ?? ''}${t.rollback ? ` (rollback: ${t.rollback})` : ''}`;
    case 'pending':
      return `${name}   waiting`;
    case 'running': {
      if (t.step !== 'transfer') return `${name} … ${t.step}`;
      const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
      const eta = t.etaSeconds === null ? '' : ` ETA ${Math.ceil(t.etaSeconds)} s`;
      return `${name} … transfer [${bar}] ${String(pct).padStart(3)}% ${formatBytes(t.bytesSent)}/${formatBytes(t.bytesTotal)} ${formatBytes(t.rateBps)}/s${eta}`;
    }
  }
}

/** One line per gateway: redrawn in place on a terminal, printed on change otherwise. */
class ProgressView {
  private lines = 0;
  private readonly last = new Map<string, string>();
  constructor(private readonly tty: boolean) {}

  draw(targets: readonly FlashTarget[]): void {
    if (this.tty) {
      const text = targets.map(describeTarget);
      if (this.lines) process.stdout.write(`\x1b[${this.lines}F`);
      process.stdout.write(text.map((l) => `\x1b[2K${l}\n`).join(''));
      this.lines = text.length;
      return;
    }
    for (const t of targets) {
      const key = `${t.state}/${t.step}`;
      if (this.last.get(t.deviceId) === key) continue;
      this.last.set(t.deviceId, key);
      process.stdout.write(`${describeTarget(t)}\n`);
    }
  }
}

export async function runFlash(argv: string[]): Promise<number> {
  // `report` is a subcommand unless a bundle file of that name is meant.
  if (argv[0] === 'report' && !(await stat('report').catch(() => null))?.isFile()) return runReport(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      parallel: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      interfaces: { type: 'string' },
      timeout: { type: 'string' },
      report: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [bundleArg, ...deviceArgs] = positionals;
  if (values.report === '') throw new CliError(`--report needs a file name\n${flashUsage}`);
  if (!bundleArg || deviceArgs.length === 0) throw new CliError(`flash needs a bundle and at least one gateway\n${flashUsage}`);
  const parallel = parsePositive('parallel', values.parallel, 4);
  if (!Number.isInteger(parallel) || parallel > 64)
    throw new CliError(`--parallel must be a whole number from 1 to 64, got "${values.parallel}"`);
  const json = values.json === true;
  const interfaces = splitList(values.interfaces);
  const engine = await createEngine({
    dataDir: values['data-dir'] ?? defaultDataDir(),
    host: 'cli',
    ...(interfaces ? { discovery: { interfaces } } : {}),
  });
  let jobId: string | null = null;
  const onSignal = (): void => {
    if (jobId) void dispatch(engine.handlers, 'flash.cancel', { jobId });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const bundle = await resolveBundle(engine, bundleArg);
    if (bundle.status !== 'verified')
      throw new CliError(
        `${bundle.fileName} does not verify: ${bundle.reason?.message ?? 'refused'}`,
        'Run `fieldline bundle verify` on it to see every check.',
        bundle.reason?.code ?? 'bundle_refused',
        1,
      );
    const devices = await resolveGateways(
      engine,
      deviceArgs,
      { interfaces, timeoutMs: parsePositive('timeout', values.timeout, 5) * 1000 },
      flashUsage,
    );
    const view = new ProgressView(!json && process.stdout.isTTY === true);
    let latest = new Map<string, FlashTarget>();
    engine.subscribe((event, data) => {
      if (event !== 'flash.progress') return;
      const p = data as FlashProgress;
      if (p.jobId !== jobId) return;
      if (json) process.stdout.write(`${JSON.stringify({ type: 'progress', jobId: p.jobId, ...p.target })}\n`);
      else {
        latest.set(p.target.deviceId, p.target);
        view.draw([...latest.values()]);
      }
    });
    const job = await call<FlashJob>(engine, 'flash.start', { bundleId: bundle.id, deviceIds: devices.map((d) => d.id), parallel });
    jobId = job.id;
    latest = new Map(job.targets.map((t) => [t.deviceId, t]));
    if (json)
      process.stdout.write(
        `${JSON.stringify({ type: 'job', jobId: job.id, bundle: { id: bundle.id, name: bundle.name, version: bundle.version }, devices: job.targets.map((t) => ({ deviceId: t.deviceId, deviceName: t.deviceName })) })}\n`,
      );
    else {
      process.stdout.write(
        `Flashing ${bundle.name ?? bundle.fileName} ${bundle.version ?? ''} onto ${devices.length} gateway${devices.length === 1 ? '' : 's'} (job ${job.id.slice(0, 8)}, ${parallel} at once)\n`,
      );
      view.draw(job.targets);
    }
    let done: FlashJobDetail;
    for (;;) {
      done = await call<FlashJobDetail>(engine, 'flash.get', { jobId: job.id });
      if (done.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const succeeded = done.targets.filter((t) => t.state === 'succeeded').length;
    if (values.report !== undefined) {
      const exported = await writeReport(engine, done.id, reportFormat(values.report), values.report);
      if (json)
        process.stdout.write(`${JSON.stringify({ type: 'report', jobId: done.id, file: values.report, format: exported.format })}\n`);
    }
    if (json) process.stdout.write(`${JSON.stringify({ type: 'result', jobId: done.id, state: done.state, targets: done.targets })}\n`);
    else {
      view.draw(done.targets);
      process.stdout.write(
        `${succeeded} of ${done.targets.length} gateway${done.targets.length === 1 ? '' : 's'} flashed (job ${done.state}).\n`,
      );
      if (values.report !== undefined) process.stdout.write(`Report written to ${values.report}\n`);
    }
    return succeeded === done.targets.length ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.close();
  }
}
