/**
 * `fieldline ingest`: the reference audit receiver. Serves the upload endpoints (native batches
 * and OTLP/HTTP JSON logs) over HTTP or HTTPS, or imports an export file carried by hand, with the
 * same checks and dedupe either way.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { ExportFileError } from '../../core/audit/export-file.js';
import { importExport, ImportRejectedError } from '../../core/audit/receiver/import.js';
import { startReceiver, type BatchEvent } from '../../core/audit/receiver/server.js';
import { ReceiverStore } from '../../core/audit/receiver/store.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson } from '../output.js';
import { parseSubcommand } from './bundle-args.js';

export const ingestUsage = `fieldline ingest [--port N] [--host 127.0.0.1] [--db FILE] [--token T]
                 [--tls-cert C --tls-key K [--client-ca CA]] [--max-body BYTES] [--import FILE] [--json]
  The reference audit receiver: POST /v1/audit/batches (native), POST /v1/logs (OTLP/HTTP JSON),
  GET /v1/audit/health, GET /v1/audit/logs/<log>. Checks every hash, link and signature, drops
  duplicates, stores to SQLite (--db, default <data dir>/audit-receiver.db) and reports gaps.
  --import FILE stores an export file (fieldline audit export) instead of serving, and prints what
  was accepted, what was already held and the gaps left.`;

function describeEvent(e: BatchEvent): string {
  if (!e.ok) return `✗ ${e.format} batch rejected (${e.rejection.status} ${e.rejection.error}): ${e.rejection.reason}`;
  const gaps = e.result.gaps.length ? `; gaps ${e.result.gaps.map(([a, b]) => (a === b ? `#${a}` : `#${a}–#${b}`)).join(', ')}` : '';
  return `✓ ${e.log.slice(0, 12)}… #${e.first}–#${e.last} (${e.format}): ${e.result.accepted} accepted, ${e.result.duplicates} duplicates, head #${e.result.head?.seq ?? 0}${gaps}`;
}

export async function runIngest(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      token: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'client-ca': { type: 'string' },
      'max-body': { type: 'string' },
      import: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    ingestUsage,
  );
  if (values.help) {
    process.stdout.write(`${ingestUsage}\n`);
    return 0;
  }
  if (positionals.length) throw new CliError(`ingest takes no positional arguments, got ${positionals.join(' ')}\n${ingestUsage}`);
  const dbFile = resolve(values.db ?? join(defaultDataDir(), 'audit-receiver.db'));
  const store = new ReceiverStore(dbFile);

  if (values.import !== undefined) {
    try {
      const result = await importExport(store, resolve(values.import));
      if (values.json) printJson({ file: resolve(values.import), db: dbFile, ...result });
      else {
        process.stdout.write(
          `Imported #${result.first}–#${result.last} of log ${result.log.slice(0, 16)}…: ${result.accepted} accepted, ${result.duplicates} already held\n`,
        );
        process.stdout.write(
          result.gaps.length
            ? `Gaps: ${result.gaps.map(([a, b]) => `#${a}–#${b}`).join(', ')}\n`
            : `No gaps: the receiver holds #1–#${result.head?.seq ?? 0}\n`,
        );
      }
      return 0;
    } catch (err) {
      if (err instanceof ExportFileError || err instanceof ImportRejectedError)
        throw new CliError(`import refused, nothing stored: ${err.message}`, undefined, 'import_refused', 1);
      throw err;
    } finally {
      store.close();
    }
  }

  const port = values.port === undefined ? 8473 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0–65535, got "${values.port}"`);
  const host = values.host ?? '127.0.0.1';
  if (isIP(host) === 0 && host !== 'localhost') throw new CliError(`--host must be an IP address, got "${host}"`);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new CliError('--tls-cert and --tls-key go together');
  if (values['client-ca'] !== undefined && values['tls-cert'] === undefined)
    throw new CliError('--client-ca needs --tls-cert and --tls-key');
  const maxBody = values['max-body'] === undefined ? undefined : Number(values['max-body']);
  if (maxBody !== undefined && (!Number.isInteger(maxBody) || maxBody < 1))
    throw new CliError(`--max-body must be a positive number of bytes`);
  const read = (file: string): Buffer => {
    try {
      return readFileSync(resolve(file));
    } catch (err) {
      store.close();
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`, undefined, 'file_unreadable', 1);
    }
  };
  const tls =
    values['tls-cert'] !== undefined && values['tls-key'] !== undefined
      ? {
          cert: read(values['tls-cert']),
          key: read(values['tls-key']),
          ...(values['client-ca'] ? { clientCa: read(values['client-ca']) } : {}),
        }
      : null;
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  if (!tls && !loopback)
    process.stderr.write(
      `warning: serving plain http on ${host}: tokens and audit entries cross the network in clear; use --tls-cert/--tls-key\n`,
    );

  const receiver = await startReceiver({
    store,
    host,
    port,
    token: values.token ?? null,
    tls,
    ...(maxBody !== undefined ? { maxBodyBytes: maxBody } : {}),
    onBatch: (e) => process.stdout.write(values.json ? `${JSON.stringify(e)}\n` : `${describeEvent(e)}\n`),
  });
  const line = {
    listening: receiver.url,
    db: dbFile,
    tls: Boolean(tls),
    clientCertificates: Boolean(tls?.clientCa),
    token: Boolean(values.token),
  };
  process.stdout.write(
    values.json ? `${JSON.stringify(line)}\n` : `Audit receiver listening on ${receiver.url} (db ${dbFile}); Ctrl-C to stop\n`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await receiver.close();
  store.close();
  return 0;
}
