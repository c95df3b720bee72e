/**
 * `fieldline audit sync` and `fieldline audit status`: configure the uploader, run one sync to
 * completion with progress, and show where the queue stands. They join `fieldline audit` through
 * `auditSyncSubcommands` (spread into cli/commands/audit.ts's table).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openAuditDb } from '../../core/audit/audit-db.js';
import { keyVaultFor } from '../../core/audit/audit-key.js';
import { secretBoxFor } from '../../core/audit/secret-box.js';
import { AuditLog } from '../../core/audit/audit-log.js';
import { SyncConfigError, SyncStateStore, type ConfigPatch } from '../../core/audit/sync-state.js';
import { auditLogSource, AuditUploader, storedSyncStatus, type SyncStatus } from '../../core/audit/uploader.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson, relativeAge } from '../output.js';
import { parseSubcommand } from './bundle-args.js';

export const syncUsage = `fieldline audit sync [--endpoint URL] [--token T] [--format fieldline|otlp] [--batch N]
                   [--ca FILE] [--cert FILE --key FILE] [--timeout S] [--configure-only] [--json] [--data-dir DIR]
    Stores the given settings, then uploads every entry the endpoint has not acknowledged, in
    batches of N (default 500), printing progress. https, or http to this machine only.
    --format otlp sends OTLP/HTTP JSON logs to <endpoint>/v1/logs (an OpenTelemetry Collector).
    --token "" removes a stored token.`;

export const statusUsage = `fieldline audit status [--json] [--data-dir DIR]
    Pending entries, last success, last error, next attempt and the chain head.`;

const dataDirOption = { 'data-dir': { type: 'string' } } as const;

function requireAuditDb(dataDir: string): void {
  if (!existsSync(join(dataDir, 'audit.db')))
    throw new CliError(`there is no audit log in ${dataDir}`, 'Check --data-dir (or FIELDLINE_DATA_DIR).', 'audit_missing', 1);
}

function configPatch(values: Record<string, string | boolean | undefined>): ConfigPatch {
  const str = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const patch: { -readonly [K in keyof ConfigPatch]: ConfigPatch[K] } = {};
  if (str('endpoint') !== undefined) patch.endpoint = str('endpoint');
  if (str('token') !== undefined) patch.token = str('token') || null;
  const format = str('format');
  if (format !== undefined) {
    if (format !== 'fieldline' && format !== 'otlp')
      throw new CliError(`--format must be fieldline or otlp, got "${format}"\n${syncUsage}`);
    patch.format = format;
  }
  const batch = str('batch');
  if (batch !== undefined) {
    const n = Number(batch);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--batch must be a positive integer, got "${batch}"`);
    patch.batchSize = n;
  }
  const timeout = str('timeout');
  if (timeout !== undefined) {
    const s = Number(timeout);
    if (!Number.isFinite(s) || s <= 0) throw new CliError(`--timeout must be a positive number of seconds, got "${timeout}"`);
    patch.timeoutMs = Math.round(s * 1000);
  }
  if (str('ca') !== undefined) patch.caFile = str('ca') ? resolve(str('ca')!) : null;
  if (str('cert') !== undefined || str('key') !== undefined) {
    patch.certFile = str('cert') ? resolve(str('cert')!) : null;
    patch.keyFile = str('key') ? resolve(str('key')!) : null;
  }
  return patch;
}

async function runSync(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    {
      endpoint: { type: 'string' },
      token: { type: 'string' },
      format: { type: 'string' },
      batch: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      timeout: { type: 'string' },
      'configure-only': { type: 'boolean' },
      json: { type: 'boolean' },
      ...dataDirOption,
    },
    syncUsage,
  );
  if (positionals.length) throw new CliError(`audit sync takes no positional arguments, got ${positionals.join(' ')}\n${syncUsage}`);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  requireAuditDb(dataDir);
  const patch = configPatch(values);
  const db = openAuditDb(dataDir);
  try {
    // The audit key signs each batch's checkpoint and seals the token at rest.
    const key = keyVaultFor(dataDir).load();
    const secrets = secretBoxFor(key);
    const store = new SyncStateStore(db, secrets);
    try {
      if (Object.keys(patch).length || !store.config()) store.configure(patch);
    } catch (err) {
      if (err instanceof SyncConfigError) throw new CliError(err.message, undefined, err.code);
      throw err;
    }
    if (values['configure-only']) {
      const config = store.config()!;
      if (values.json) printJson({ ...config, token: config.token ? '(set)' : null });
      else process.stdout.write(`Audit sync configured: ${config.endpoint} (${config.format}, batches of ${config.batchSize})\n`);
      return 0;
    }
    const log = new AuditLog(db, key);
    const uploader = new AuditUploader({
      db,
      source: auditLogSource(log, key),
      secrets,
      onBatch: (p) => {
        if (values.json) return;
        process.stdout.write(
          `#${p.first}–#${p.last}: ${p.accepted} accepted, ${p.duplicates} already held; ${p.pending.toLocaleString('en')} pending\n`,
        );
      },
    });
    const outcome = await uploader.syncNow();
    const status = uploader.status();
    await uploader.stop();
    if (values.json) printJson({ outcome, status });
    else if (outcome.ok)
      process.stdout.write(
        `✓ in sync with ${status.endpoint}: ${outcome.accepted.toLocaleString('en')} entries sent, ${outcome.duplicates.toLocaleString('en')} already held, head #${status.headSeq}\n`,
      );
    else
      process.stderr.write(
        `✗ sync ${outcome.state === 'offline' ? 'could not reach the receiver' : 'failed'}: ${outcome.message}\n  ${status.pending.toLocaleString('en')} entries still pending; nothing was lost.\n`,
      );
    return outcome.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

function describeStatus(s: SyncStatus, now = Date.now()): string {
  const when = (t: number | null): string =>
    t === null ? '—' : `${new Date(t).toISOString()} (${t <= now ? relativeAge(now - t) : `in ${Math.ceil((t - now) / 1000)}s`})`;
  return [
    `state        ${s.state}`,
    `endpoint     ${s.endpoint ?? 'none (configure with fieldline audit sync --endpoint URL)'}${s.format ? ` (${s.format})` : ''}`,
    `chain head   #${s.headSeq}`,
    `acknowledged #${s.ackedSeq}`,
    `pending      ${s.pending.toLocaleString('en')}`,
    `last success ${when(s.lastSuccess)}`,
    `last error   ${s.lastError ? `${s.lastError.message} — ${when(s.lastError.at)}` : '—'}`,
    `next attempt ${when(s.nextAttempt)}`,
  ].join('\n');
}

async function runStatus(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(argv, { json: { type: 'boolean' }, ...dataDirOption }, statusUsage);
  if (positionals.length) throw new CliError(`audit status takes no positional arguments, got ${positionals.join(' ')}\n${statusUsage}`);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  requireAuditDb(dataDir);
  const db = openAuditDb(dataDir);
  try {
    // Read-only: the head straight from audit.db, no audit key needed.
    const head = db.prepare('SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined;
    const status = storedSyncStatus(new SyncStateStore(db), head?.seq ?? 0);
    if (values.json) printJson({ ...status, head: head ?? null });
    else process.stdout.write(`${describeStatus(status)}\n`);
    return 0;
  } finally {
    db.close();
  }
}

export const auditSyncSubcommands = {
  sync: { usage: syncUsage, run: runSync },
  status: { usage: statusUsage, run: runStatus },
} as const;
