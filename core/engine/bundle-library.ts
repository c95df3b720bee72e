/**
 * The bundle library: every bundle the technician imported, kept, verified, and listed.
 *
 * Each import is copied into `<dataDir>/bundles/` under its SHA-256, so the file that was verified
 * is the file that will later be sent, whatever happens to the original on a USB stick. The
 * verification report is stored with it; a refused bundle stays listed with its first failure so
 * the technician can see why. Every change of the trust store verifies the whole library again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../api/contract.js';
import type { BundleDetail, BundleSummary, BundlesChange, BundleTargetCheck } from '../api/schemas.js';
import { verifyBundle, type BundleKind, type Target, type TrustPolicy } from '../bundle/index.js';
import type { Db } from '../store/database.js';
import type { TrustedTimeStore } from '../store/trusted-time.js';
import { toStoredReport, type StoredReport } from './bundle-report.js';
import { laptopClock, recordBundleTime } from './trusted-clock.js';

export interface BundleLibraryOptions {
  readonly dataDir: string;
  readonly db: Db;
  /** The trust policy as it stands now; read at every verification. */
  readonly policy: () => TrustPolicy;
  readonly onChange?: (change: BundlesChange) => void;
  readonly now?: () => number;
  /**
   * The laptop's trusted-time floor: verified bundles raise it, and once known it is part of
   * every verification (a clock behind it, or a floor gone stale, is reported). Without it,
   * expiry is judged by the laptop clock alone.
   */
  readonly trustedTime?: TrustedTimeStore;
}

interface Row {
  readonly id: string;
  readonly file_name: string;
  readonly path: string;
  readonly size: number;
  readonly imported_at: number;
  readonly report: string;
}

/** Where uploads land before the library takes them; same filesystem, so taking is a rename. */
export function incomingDir(dataDir: string): string {
  return join(dataDir, 'bundles', 'incoming');
}

export function libraryDir(dataDir: string): string {
  return join(dataDir, 'bundles');
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`);
}

function hashingTap(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function notFound(id: string): ApiError {
  return new ApiError(
    'bundle_unknown',
    `there is no bundle ${id.slice(0, 12)}… in the library`,
    'Refresh the list; it may have been removed.',
  );
}

export class BundleLibrary {
  private readonly dir: string;
  private readonly incoming: string;
  private readonly now: () => number;
  /** Verifications run one after another: a re-verification never races an import's row. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BundleLibraryOptions) {
    this.dir = libraryDir(options.dataDir);
    this.incoming = incomingDir(options.dataDir);
    this.now = options.now ?? Date.now;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Copies `source` into the library (moves it when it is one of our own uploads), verifies the
   * copy and stores the verdict. Importing the same bytes twice verifies again and keeps one row.
   */
  async import(source: string, options: { readonly fileName?: string } = {}): Promise<BundleSummary> {
    const file = resolve(source);
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT')
        throw new ApiError('file_not_found', `there is no file at ${file}`, 'Check the path, or choose the file again.');
      if (code === 'EACCES' || code === 'EPERM')
        throw new ApiError(
          'file_unreadable',
          `Fieldline may not read ${file}`,
          'Copy the bundle somewhere your user can read, then import it from there.',
        );
      throw new ApiError('file_unreadable', `${file} cannot be read: ${(err as Error).message}`, 'Choose the file again.');
    }
    if (!info.isFile()) throw new ApiError('not_a_file', `${file} is not a file`, 'Choose the .flb bundle file itself, not a folder.');

    await mkdir(this.incoming, { recursive: true });
    const own = isInside(this.incoming, file);
    const staged = own ? file : join(this.incoming, `${randomBytes(12).toString('hex')}.part`);
    let id: string;
    try {
      if (own) {
        id = await hashFile(staged);
      } else {
        const hash = createHash('sha256');
        await pipeline(createReadStream(file), hashingTap(hash), createWriteStream(staged, { flags: 'wx' }));
        id = hash.digest('hex');
      }
    } catch (err) {
      await rm(staged, { force: true });
      throw new ApiError(
        'import_failed',
        `${basename(file)} could not be copied into the library: ${(err as Error).message}`,
        'Check that the file is readable and that the data folder has enough free space.',
      );
    }
    const target = join(this.dir, `${id}.flb`);
    // Same bytes, same name: replacing an existing copy changes nothing on disk.
    await rename(staged, target);
    const fileName = options.fileName ?? basename(file);
    const summary = await this.serial(() => this.verifyAndStore(id, fileName, target, this.importedAt(id)));
    this.options.onChange?.({ reason: 'imported', id });
    return summary;
  }

  private importedAt(id: string): number {
    const row = this.options.db.prepare('SELECT imported_at FROM bundles WHERE id = ?').get(id) as { imported_at: number } | undefined;
    return row?.imported_at ?? this.now();
  }

  private async verifyAndStore(id: string, fileName: string, path: string, importedAt: number): Promise<BundleSummary> {
    const size = (await stat(path).catch(() => null))?.size ?? 0;
    const verifiedAt = this.now();
    const clock = laptopClock(this.options.trustedTime, verifiedAt);
    // Before any trusted time is known the clock line would only say so on every bundle; it is
    // shown where it matters, when a bundle is checked against a gateway.
    const verified = await verifyBundle(path, this.options.policy(), clock.trustedTimeFloor === null ? { now: verifiedAt } : { clock });
    recordBundleTime(this.options.trustedTime, verified);
    const report = toStoredReport(verified, verifiedAt);
    this.options.db
      .prepare(
        `INSERT INTO bundles (id, file_name, path, size, kind, name, version, imported_at, status, reason_code, report)
         VALUES (@id, @fileName, @path, @size, @kind, @name, @version, @importedAt, @status, @reasonCode, @report)
         ON CONFLICT(id) DO UPDATE SET file_name = excluded.file_name, path = excluded.path, size = excluded.size,
           kind = excluded.kind, name = excluded.name, version = excluded.version, status = excluded.status,
           reason_code = excluded.reason_code, report = excluded.report`,
      )
      .run({
        id,
        fileName,
        path,
        size,
        kind: report.manifest?.kind ?? null,
        name: report.manifest?.name ?? null,
        version: report.manifest?.version ?? null,
        importedAt,
        status: report.reason === null ? 'verified' : 'refused',
        reasonCode: report.reason?.code ?? null,
        report: JSON.stringify(report),
      });
    return summaryOf({ id, file_name: fileName, path, size, imported_at: importedAt, report: JSON.stringify(report) });
  }

  list(): BundleSummary[] {
    const rows = this.options.db
      .prepare('SELECT id, file_name, path, size, imported_at, report FROM bundles ORDER BY imported_at DESC, id')
      .all() as Row[];
    return rows.map(summaryOf);
  }

  get(id: string): BundleDetail {
    const row = this.row(id);
    const report = parseReport(row.report);
    return { bundle: summaryOf(row), checks: report.checks, manifest: report.manifest, manifestJson: report.manifestJson };
  }

  /**
   * Verifies the library copy again for one gateway: its hardware, its counter for the bundle's
   * kind, its installed version, and the laptop clock with its trusted floor. Nothing is stored:
   * the library's own verdict does not depend on any one gateway.
   */
  async check(id: string, deviceId: string, targetFor: (kind: BundleKind | null) => Target): Promise<BundleTargetCheck> {
    const row = this.row(id);
    const checkedAt = this.now();
    const kind = parseReport(row.report).manifest?.kind ?? null;
    const verified = await verifyBundle(row.path, this.options.policy(), {
      clock: laptopClock(this.options.trustedTime, checkedAt),
      target: targetFor(kind),
    });
    recordBundleTime(this.options.trustedTime, verified);
    const report = toStoredReport(verified, checkedAt);
    return {
      bundle: summaryOf({ ...row, report: JSON.stringify(report) }),
      checks: report.checks,
      manifest: report.manifest,
      manifestJson: report.manifestJson,
      deviceId,
      checkedAt,
    };
  }

  async remove(id: string): Promise<void> {
    const row = this.row(id);
    await this.serial(async () => {
      this.options.db.prepare('DELETE FROM bundles WHERE id = ?').run(id);
      await rm(row.path, { force: true });
    });
    this.options.onChange?.({ reason: 'removed', id });
  }

  /** Resolves once no import, removal or re-verification is running (before closing the store). */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /** After a trust change: every bundle is judged again under the new policy. */
  async reverifyAll(): Promise<void> {
    await this.serial(async () => {
      const rows = this.options.db.prepare('SELECT id, file_name, path, size, imported_at, report FROM bundles').all() as Row[];
      for (const row of rows) await this.verifyAndStore(row.id, row.file_name, row.path, row.imported_at);
    });
    this.options.onChange?.({ reason: 'reverified', id: null });
  }

  private row(id: string): Row {
    const row = this.options.db.prepare('SELECT id, file_name, path, size, imported_at, report FROM bundles WHERE id = ?').get(id) as
      Row | undefined;
    if (row === undefined) throw notFound(id);
    return row;
  }
}

function parseReport(text: string): StoredReport {
  return JSON.parse(text) as StoredReport;
}

function summaryOf(row: Row): BundleSummary {
  const report = parseReport(row.report);
  return {
    id: row.id,
    fileName: row.file_name,
    size: row.size,
    kind: report.manifest?.kind ?? null,
    name: report.manifest?.name ?? null,
    version: report.manifest?.version ?? null,
    importedAt: row.imported_at,
    verifiedAt: report.verifiedAt,
    status: report.reason === null ? 'verified' : 'refused',
    reason: report.reason,
    warnings: report.checks.filter((c) => c.status === 'warn').length,
    signers: report.signers,
    hardware: report.manifest?.hardware ?? [],
  };
}
