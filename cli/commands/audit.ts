/**
 * `fieldline audit`: read, verify and export the tamper-evident audit log.
 *
 * list and verify read audit.db without the audit key (they work on a copied data folder and
 * beside a running app); export signs, so it needs the key. docs/audit-format.md is the format.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { openAuditDb, type Db } from '../../core/audit/audit-db.js';
import { keyVaultFor } from '../../core/audit/audit-key.js';
import { SyncStateStore } from '../../core/audit/sync-state.js';
import { AuditLog } from '../../core/audit/audit-log.js';
import { listEntries } from '../../core/audit/audit-query.js';
import { entryResult, type AuditEntry } from '../../core/audit/entry.js';
import { EXPORT_EXTENSION, ExportFileError, readExport, writeExport } from '../../core/audit/export-file.js';
import { describeReport, type ChainReport } from '../../core/audit/verify.js';
import { verifyAuditDb } from '../../core/audit/verify-db.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson, table } from '../output.js';
import { nonNegativeInteger, parseSubcommand, parseTime } from './bundle-args.js';

export const listUsage = `fieldline audit list [--device ID] [--action A] [--result ok|failed|refused|cancelled]
                   [--since TIME] [--until TIME] [--before SEQ] [--limit N] [--json] [--data-dir DIR]
    The newest entries first. --action flash matches flash and flash.*; page on with --before.`;

export const verifyUsage = `fieldline audit verify [--file X${EXPORT_EXTENSION}] [--json] [--data-dir DIR]
    Checks every entry's hash and link and every signed checkpoint (stored and left on gateways).
    Exits 1 and names the first bad sequence number when the log was edited, cut or reordered.
    --file checks an export file instead (signature line, every line, chain, checkpoint).`;

export const exportUsage = `fieldline audit export [--out FILE] [--from N] [--to N] [--json] [--data-dir DIR]
    Writes a signed ${EXPORT_EXTENSION} file of entries N..N (default: everything the configured
    receiver has not acknowledged; the whole log when none is configured) with the
    checkpoint for the last one, for a receiver without network (\`fieldline ingest --import FILE\`).`;

export interface AuditSubcommand {
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

/**
 * The subcommands of `fieldline audit`. `sync` and `status` live in audit-sync.ts (the uploader's)
 * and are added to this table by cli/main.ts.
 */
export const auditSubcommands: Record<string, AuditSubcommand> = {
  list: { usage: listUsage, run: runList },
  verify: { usage: verifyUsage, run: runVerify },
  export: { usage: exportUsage, run: runExport },
};

export function auditUsage(): string {
  return Object.values(auditSubcommands)
    .map((c) => c.usage)
    .join('\n');
}

export async function runAudit(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const sub = action === undefined ? undefined : auditSubcommands[action];
  if (sub) return sub.run(rest);
  if (action === undefined || action === 'help' || action === '--help' || action === '-h') {
    process.stdout.write(`${auditUsage()}\n`);
    return action === undefined ? 2 : 0;
  }
  throw new CliError(`unknown audit action "${action}"; expected ${Object.keys(auditSubcommands).join(', ')}\n${auditUsage()}`);
}

const dataDirOption = { 'data-dir': { type: 'string' } } as const;

/** Opens audit.db for reading; null when this data folder has no audit log yet. */
function withAuditDb<T>(dataDir: string, use: (db: Db) => T): T | null {
  if (!existsSync(join(dataDir, 'audit.db'))) return null;
  const db = openAuditDb(dataDir);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

async function runList(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    {
      device: { type: 'string' },
      action: { type: 'string' },
      result: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      before: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      ...dataDirOption,
    },
    listUsage,
  );
  if (positionals.length) throw new CliError(`audit list takes no positional arguments, got ${positionals.join(' ')}\n${listUsage}`);
  const result = values.result === undefined ? undefined : entryResult.safeParse(values.result);
  if (result && !result.success) throw new CliError(`--result must be ok, failed, refused or cancelled, got "${values.result}"`);
  const limit = values.limit === undefined ? 50 : nonNegativeInteger('--limit', values.limit);
  if (limit < 1) throw new CliError('--limit must be at least 1');
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const entries =
    withAuditDb(dataDir, (db) =>
      listEntries(db, {
        ...(values.device !== undefined && { device: values.device }),
        ...(values.action !== undefined && { action: values.action }),
        ...(result?.success && { result: result.data }),
        ...(values.since !== undefined && { from: parseTime('--since', values.since) }),
        ...(values.until !== undefined && { to: parseTime('--until', values.until) }),
        ...(values.before !== undefined && { before: nonNegativeInteger('--before', values.before) }),
        limit,
      }),
    ) ?? [];
  if (values.json) printJson(entries);
  else if (!entries.length)
    process.stdout.write(`No audit entries${existsSync(join(dataDir, 'audit.db')) ? ' match' : ` yet in ${dataDir}`}.\n`);
  else process.stdout.write(`${table(['SEQ', 'TIME (UTC)', 'ACTION', 'PHASE', 'RESULT', 'DEVICE', 'TECHNICIAN'], entries.map(row))}\n`);
  return 0;
}

function row(e: AuditEntry): string[] {
  const result = e.phase === 'intent' ? '…' : (e.result ?? '');
  return [
    `#${e.seq}`,
    new Date(e.time).toISOString().replace('T', ' ').slice(0, 19),
    e.action,
    e.phase === 'result' && e.intent !== null ? `result of #${e.intent}` : e.phase,
    e.error ? `${result} (${e.error.code})` : result,
    e.device ? `${e.device.slice(0, 12)}…` : '',
    e.technician?.name ?? '',
  ];
}

async function runVerify(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    { file: { type: 'string' }, json: { type: 'boolean' }, ...dataDirOption },
    verifyUsage,
  );
  if (positionals.length) throw new CliError(`audit verify takes no positional arguments, got ${positionals.join(' ')}\n${verifyUsage}`);
  if (values.file !== undefined) return verifyFile(values.file, values.json === true);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const report = withAuditDb(dataDir, (db) => verifyAuditDb(db));
  if (!report) throw new CliError(`there is no audit log in ${dataDir}`, 'Check --data-dir (or FIELDLINE_DATA_DIR).', 'audit_missing', 1);
  if (values.json) printJson(report);
  else printReport(report);
  return report.ok ? 0 : 1;
}

async function verifyFile(file: string, json: boolean): Promise<number> {
  try {
    const read = await readExport(file);
    const { header } = read;
    if (json) printJson({ ...read.report, file, header, sha256: read.sha256 });
    else
      process.stdout.write(
        `✓ ${basename(file)}: signed export of log ${header.log.slice(0, 16)}…, entries #${header.first}–#${header.last} (${header.count.toLocaleString('en')}), chain and checkpoint verified\n`,
      );
    return 0;
  } catch (err) {
    if (!(err instanceof ExportFileError)) throw err;
    if (json) printJson({ ok: false, file, line: err.line, reason: err.reason });
    else process.stdout.write(`✗ ${basename(file)}, line ${err.line}: ${err.reason}\n`);
    return 1;
  }
}

function printReport(report: ChainReport): void {
  process.stdout.write(`${report.ok ? '✓' : '✗'} ${describeReport(report)}\n`);
  for (const c of report.checkpoints.filter((c) => !c.ok))
    process.stdout.write(`  ✗ checkpoint #${c.seq} (${c.source}): ${c.reason ?? 'does not match'}\n`);
}

async function runExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    { out: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, ...dataDirOption },
    exportUsage,
  );
  if (positionals.length) throw new CliError(`audit export takes no positional arguments, got ${positionals.join(' ')}\n${exportUsage}`);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  if (!existsSync(join(dataDir, 'audit.db')))
    throw new CliError(`there is no audit log in ${dataDir}`, 'Check --data-dir (or FIELDLINE_DATA_DIR).', 'audit_missing', 1);
  const key = keyVaultFor(dataDir).load();
  const db = openAuditDb(dataDir);
  try {
    const log = new AuditLog(db, key);
    const head = log.head();
    const first = values.from === undefined ? Math.min(firstUnacknowledged(db), head.seq) : nonNegativeInteger('--from', values.from);
    const last = values.to === undefined ? head.seq : nonNegativeInteger('--to', values.to);
    if (first < 1 || first > last || last > head.seq)
      throw new CliError(`there are no entries #${first}–#${last}: the log holds #1–#${head.seq}`, undefined, 'bad_range');
    const out = resolve(values.out ?? `fieldline-audit-${log.logId.slice(0, 12)}-${first}-${last}${EXPORT_EXTENSION}`);
    const written = await writeExport(log, out, { first, last });
    // The export itself is an action worth a record (after the range, so the file stays as signed).
    log.event({
      action: 'audit.export',
      params: { file: basename(out), first: written.first, last: written.last, count: written.count },
      result: 'ok',
    });
    if (values.json) printJson({ file: out, log: log.logId, ...written });
    else process.stdout.write(`Exported #${written.first}–#${written.last} (${written.count.toLocaleString('en')} entries) to ${out}\n`);
    return 0;
  } finally {
    db.close();
  }
}

/** The first entry the configured receiver has not acknowledged (1 when there is none). */
function firstUnacknowledged(db: Db): number {
  const store = new SyncStateStore(db);
  const config = store.config();
  return config ? store.state(config.endpoint).ackedSeq + 1 : 1;
}
