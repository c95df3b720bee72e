/**
 * The gateway's artifact store: bundles arrive here in chunks, by SHA-256, and can resume.
 *
 *   artifacts/<hex>.part           bytes received so far; its length is the resume point
 *   artifacts/<hex>.meta.json      {size, name} declared at artifact.begin
 *   artifacts/<hex>.flb            the whole file, its SHA-256 checked (after artifact.commit)
 *   artifacts/<hex>.verified.json  the manifest, once the gateway's own bundle check passed
 *
 * Chunks are accepted go-back-N: only at the resume point, duplicates acknowledged, a gap
 * answered with `out_of_order` and the resume point, so the sender rewinds. Chunks of one
 * artifact are handled strictly in arrival order (one queue per artifact), because FGP serves
 * requests concurrently and the offsets only make sense in order.
 *
 * Cleanup (a gateway's disk is small and nobody logs in to tidy it): an installed artifact is
 * removed by its installer once the slot or model store holds the content; at most `keep` other
 * committed artifacts stay (least recently used go first: a retry can then skip the transfer);
 * a `.part` nobody touched for `partTtlMs` is abandoned and removed at startup, and when
 * `artifact.begin` finds too little space. Last use is the file's mtime, set from `now()`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, readdir, rename, stat, unlink, utimes, writeFile, mkdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { manifestSchema, type Manifest } from '../../core/bundle/manifest.js';
import { FgpError } from '../../core/protocol/errors.js';
import { diskSpace } from '../system-status.js';
import { fsyncDir, writeDurable } from '../durable-file.js';

export const ARTIFACTS_DIR = 'artifacts';
export const DEFAULT_KEEP_ARTIFACTS = 2;
export const DEFAULT_PART_TTL_MS = 24 * 3600_000;
const SHA_FILE = /^([0-9a-f]{64})\.(part|meta\.json|flb|verified\.json)$/;
type Ext = 'part' | 'meta.json' | 'flb' | 'verified.json';
const EXTS: readonly Ext[] = ['part', 'meta.json', 'flb', 'verified.json'];

const metaFile = z.object({ size: z.number().int().min(0), name: z.string().max(255).nullable() });
const verifiedFile = z.object({ manifest: manifestSchema, verifiedAt: z.number().int() });

export interface ArtifactStatus {
  readonly held: number;
  readonly size: number;
  /** All bytes are in and their SHA-256 matched (artifact.commit got that far). */
  readonly complete: boolean;
  /** The gateway's own bundle check passed. */
  readonly verified: boolean;
}

export interface BundleVerdict {
  readonly ok: boolean;
  readonly manifest: Manifest | null;
  readonly checks: readonly { readonly code: string; readonly message: string }[];
}

export interface VerifiedArtifact {
  readonly sha256: string;
  readonly file: string;
  readonly manifest: Manifest;
}

interface Entry {
  readonly sha256: string;
  readonly size: number;
  held: number;
  handle: FileHandle | null;
  /** Requests of this artifact, one at a time in arrival order. */
  queue: Promise<unknown>;
}

export interface ArtifactStoreOptions {
  /** Space left free for installs and the rest of the gateway. Default 32 MiB. */
  readonly reserveBytes?: number;
  /** Damage the chunk covering this offset once (fault injection); returns the index or -1. */
  readonly corruption?: (offset: number, length: number) => number;
  /** Committed artifacts kept besides the one in use, least recently used removed first. Default 2. */
  readonly keep?: number;
  /** A `.part` untouched this long is abandoned. Default 24 h. */
  readonly partTtlMs?: number;
  /** The clock for last use and the TTL (tests move it instead of sleeping). */
  readonly now?: () => number;
}

/** What the store holds, for `status`. */
export interface ArtifactUsage {
  readonly committed: number;
  readonly committedBytes: number;
  readonly partial: number;
  readonly partialBytes: number;
}

/** What a cleanup removed. */
export interface Swept {
  readonly parts: readonly string[];
  readonly committed: readonly string[];
}

interface OnDisk {
  readonly sha256: string;
  readonly complete: boolean;
  readonly bytes: number;
  /** Last use (ms): the mtime of the .flb, or of the newer of .part and .meta.json. */
  readonly usedAt: number;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

function noSpace(free: number, needed: number): FgpError {
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  return new FgpError(
    'no_space',
    `the gateway has ${mib(free)} free for artifacts but needs ${mib(needed)} (the artifact plus a reserve for installing it); remove old models or artifacts on the gateway`,
    { free, needed },
  );
}

export class ArtifactStore {
  private readonly entries = new Map<string, Entry>();

  private constructor(
    readonly dir: string,
    private readonly options: ArtifactStoreOptions,
  ) {}

  /** Opens the store and removes what a previous run abandoned (stale parts, surplus artifacts). */
  static async open(stateDir: string, options: ArtifactStoreOptions = {}): Promise<ArtifactStore> {
    const dir = path.join(stateDir, ARTIFACTS_DIR);
    await mkdir(dir, { recursive: true });
    const store = new ArtifactStore(dir, options);
    await store.sweep();
    return store;
  }

  private file(sha: string, ext: Ext): string {
    return path.join(this.dir, `${sha}.${ext}`);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private get keep(): number {
    return Math.max(0, this.options.keep ?? DEFAULT_KEEP_ARTIFACTS);
  }

  /** Marks an artifact as used now (its files' mtime), for the TTL and the LRU order. */
  private async touch(sha: string, ...exts: Ext[]): Promise<void> {
    const t = this.now() / 1000;
    for (const ext of exts)
      await utimes(this.file(sha, ext), t, t).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
  }

  /** Every artifact with a file in the store, as found on disk. */
  private async onDisk(): Promise<OnDisk[]> {
    const found = new Map<string, { complete: boolean; bytes: number; usedAt: number }>();
    for (const name of await readdir(this.dir)) {
      const m = SHA_FILE.exec(name);
      const sha = m?.[1];
      const ext = EXTS.find((e) => e === m?.[2]);
      if (sha === undefined || ext === undefined) continue;
      let st;
      try {
        st = await stat(path.join(this.dir, name));
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      const item = found.get(sha) ?? { complete: false, bytes: 0, usedAt: 0 };
      if (ext === 'flb') {
        item.complete = true;
        item.bytes = st.size;
        item.usedAt = st.mtimeMs;
      } else if (!item.complete && (ext === 'part' || ext === 'meta.json')) {
        if (ext === 'part') item.bytes = st.size;
        item.usedAt = Math.max(item.usedAt, st.mtimeMs);
      }
      found.set(sha, item);
    }
    return [...found].map(([sha256, v]) => ({ sha256, ...v }));
  }

  async usage(): Promise<ArtifactUsage> {
    const all = await this.onDisk();
    const sum = (xs: OnDisk[]): number => xs.reduce((n, x) => n + x.bytes, 0);
    const committed = all.filter((a) => a.complete);
    const partial = all.filter((a) => !a.complete);
    return { committed: committed.length, committedBytes: sum(committed), partial: partial.length, partialBytes: sum(partial) };
  }

  /**
   * Removes `.part` files untouched for the TTL, then committed artifacts beyond `keep` (least
   * recently used first), never those in `protect` and never one being received right now.
   * `allCommitted` removes every unprotected committed artifact (space is short).
   */
  async sweep(protect: readonly string[] = [], allCommitted = false): Promise<Swept> {
    const ttl = this.options.partTtlMs ?? DEFAULT_PART_TTL_MS;
    const now = this.now();
    const inUse = (sha: string): boolean => protect.includes(sha) || (this.entries.get(sha)?.handle ?? null) !== null;
    const all = await this.onDisk();
    const parts = all.filter((a) => !a.complete && !inUse(a.sha256) && now - a.usedAt > ttl).map((a) => a.sha256);
    const committed = all
      .filter((a) => a.complete && !inUse(a.sha256))
      .sort((x, y) => y.usedAt - x.usedAt)
      .slice(allCommitted ? 0 : this.keep)
      .map((a) => a.sha256);
    for (const sha of [...parts, ...committed]) await this.remove(sha);
    return { parts, committed };
  }

  /** Removes every file of an artifact (installed, abandoned or surplus); waits for its pending requests. */
  async remove(sha: string): Promise<void> {
    const entry = this.entries.get(sha);
    if (entry) return this.serial(entry, () => this.discard(entry));
    await this.unlinkAll(sha);
  }

  private serial<T>(entry: Entry, run: () => Promise<T>): Promise<T> {
    const next = entry.queue.then(run);
    entry.queue = next.catch(() => undefined);
    return next;
  }

  /** The in-memory entry, rebuilt from disk after a restart; null if never begun. */
  private async entry(sha: string): Promise<Entry | null> {
    const known = this.entries.get(sha);
    if (known) return known;
    const complete = await fileSize(this.file(sha, 'flb'));
    let size: number;
    let held: number;
    if (complete !== null) {
      size = complete;
      held = complete;
    } else {
      let meta: z.infer<typeof metaFile>;
      try {
        meta = metaFile.parse(JSON.parse(await readFile(this.file(sha, 'meta.json'), 'utf8')));
      } catch {
        return null;
      }
      size = meta.size;
      held = Math.min(size, (await fileSize(this.file(sha, 'part'))) ?? 0);
    }
    const entry: Entry = { sha256: sha, size, held, handle: null, queue: Promise.resolve() };
    this.entries.set(sha, entry);
    return entry;
  }

  async begin(sha: string, size: number, name: string | null): Promise<{ held: number }> {
    const existing = await this.entry(sha);
    if (existing && existing.size !== size) {
      if ((await fileSize(this.file(sha, 'flb'))) !== null)
        throw new FgpError('invalid_params', `the gateway holds artifact ${sha.slice(0, 12)}… with ${existing.size} bytes, not ${size}`);
      // A different declared size for a half-received artifact: start it again.
      await this.discard(existing);
    }
    const entry = (await this.entry(sha)) ?? { sha256: sha, size, held: 0, handle: null, queue: Promise.resolve() };
    this.entries.set(sha, entry);
    return this.serial(entry, async () => {
      if (entry.held === entry.size && (await fileSize(this.file(sha, 'flb'))) !== null) {
        await this.touch(sha, 'flb');
        return { held: entry.held };
      }
      const needed = entry.size - entry.held + (this.options.reserveBytes ?? 32 * 1024 * 1024);
      let disk = await diskSpace(this.dir);
      if (disk && disk.freeBytes < needed) {
        // Make room from what nobody is waiting for: abandoned parts, then kept artifacts.
        const swept = await this.sweep([sha], true);
        if (swept.parts.length + swept.committed.length > 0) disk = await diskSpace(this.dir);
        if (disk && disk.freeBytes < needed) throw noSpace(disk.freeBytes, needed);
      }
      await writeFile(this.file(sha, 'meta.json'), JSON.stringify({ size: entry.size, name }));
      await this.openPart(entry);
      await this.touch(sha, 'meta.json', 'part');
      return { held: entry.held };
    });
  }

  private async openPart(entry: Entry): Promise<FileHandle> {
    if (entry.handle) return entry.handle;
    const part = this.file(entry.sha256, 'part');
    const handle = await open(part, (await fileSize(part)) === null ? 'w+' : 'r+');
    // Anything past the resume point is from a write the gateway never acknowledged.
    await handle.truncate(entry.held);
    entry.handle = handle;
    return handle;
  }

  async chunk(sha: string, offset: number, data: Uint8Array): Promise<{ held: number }> {
    const entry = await this.entry(sha);
    if (!entry) throw unknownArtifact(sha);
    return this.serial(entry, async () => {
      if (offset + data.length > entry.size)
        throw new FgpError(
          'invalid_params',
          `the chunk at offset ${offset} (${data.length} bytes) ends past the artifact's declared size of ${entry.size} bytes`,
        );
      if (offset > entry.held)
        throw new FgpError(
          'out_of_order',
          `chunk at offset ${offset} arrived, but the gateway holds only ${entry.held} bytes: resend from there`,
          {
            held: entry.held,
          },
        );
      // A duplicate (the sender rewound further than needed) is acknowledged; only new bytes are written.
      const fresh = data.subarray(entry.held - offset);
      if (fresh.length === 0) return { held: entry.held };
      const handle = await this.openPart(entry);
      const flip = this.options.corruption?.(entry.held, fresh.length) ?? -1;
      let bytes = fresh;
      if (flip >= 0) {
        bytes = new Uint8Array(fresh);
        bytes[flip] = bytes[flip]! ^ 0xff;
      }
      try {
        await handle.write(bytes, 0, bytes.length, entry.held);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
          const disk = await diskSpace(this.dir);
          throw noSpace(disk?.freeBytes ?? 0, entry.size - entry.held);
        }
        throw err;
      }
      entry.held += bytes.length;
      if (entry.held === entry.size) {
        await handle.sync();
        await handle.close();
        entry.handle = null;
      }
      return { held: entry.held };
    });
  }

  async status(sha: string): Promise<ArtifactStatus> {
    const entry = await this.entry(sha);
    if (!entry) throw unknownArtifact(sha);
    const complete = (await fileSize(this.file(sha, 'flb'))) !== null;
    const verified = complete && (await fileSize(this.file(sha, 'verified.json'))) !== null;
    return { held: entry.held, size: entry.size, complete, verified };
  }

  /**
   * Hashes the whole file (a mismatch discards it: the next begin starts at 0), then runs the
   * gateway's bundle check; a refused bundle is deleted too, so it cannot be installed later.
   */
  async commit(sha: string, verify: (file: string) => Promise<BundleVerdict>): Promise<Manifest> {
    const entry = await this.entry(sha);
    if (!entry) throw unknownArtifact(sha);
    const manifest = await this.serial(entry, async () => {
      const flb = this.file(sha, 'flb');
      if ((await fileSize(flb)) === null) {
        if (entry.held < entry.size)
          throw new FgpError(
            'artifact_incomplete',
            `the gateway holds ${entry.held} of ${entry.size} bytes of artifact ${sha.slice(0, 12)}…: send the rest before committing`,
            { held: entry.held, size: entry.size },
          );
        await entry.handle?.close();
        entry.handle = null;
        const part = this.file(sha, 'part');
        const actual = await hashFile(part);
        if (actual !== sha) {
          await this.discard(entry);
          throw new FgpError(
            'artifact_corrupt',
            `the ${entry.size} bytes received hash to ${actual.slice(0, 12)}…, not ${sha.slice(0, 12)}…: the artifact was damaged on its way and has been discarded; send it again`,
            { expected: sha, actual },
          );
        }
        await rename(part, flb);
        await fsyncDir(this.dir);
        await unlink(this.file(sha, 'meta.json')).catch(() => undefined);
      }
      await this.touch(sha, 'flb');
      const verdict = await verify(flb);
      if (!verdict.ok || !verdict.manifest) {
        await this.discard(entry);
        const first = verdict.checks[0];
        throw new FgpError('bundle_refused', `the gateway refuses this bundle${first ? `: ${first.message}` : ''}; it has been discarded`, {
          checks: verdict.checks.map((c) => ({ code: c.code, message: c.message })),
        });
      }
      await writeDurable(this.file(sha, 'verified.json'), JSON.stringify({ manifest: verdict.manifest, verifiedAt: Date.now() }));
      return verdict.manifest;
    });
    // Outside this artifact's queue: a sweep waits for the queues of the artifacts it removes.
    await this.sweep([sha]);
    return manifest;
  }

  /** A committed, verified artifact, or a reason why it is not one. */
  async verified(sha: string): Promise<VerifiedArtifact> {
    const status = await this.status(sha);
    if (!status.verified)
      throw new FgpError(
        'not_verified',
        status.complete || status.held === status.size
          ? `artifact ${sha.slice(0, 12)}… has not passed artifact.commit on this gateway: commit it first`
          : `artifact ${sha.slice(0, 12)}… is incomplete (${status.held} of ${status.size} bytes): send the rest and commit it first`,
      );
    const parsed = verifiedFile.safeParse(JSON.parse(await readFile(this.file(sha, 'verified.json'), 'utf8')));
    if (!parsed.success) throw new FgpError('not_verified', `the verification record of ${sha.slice(0, 12)}… is damaged: commit it again`);
    await this.touch(sha, 'flb');
    return { sha256: sha, file: this.file(sha, 'flb'), manifest: parsed.data.manifest };
  }

  private async discard(entry: Entry): Promise<void> {
    await entry.handle?.close().catch(() => undefined);
    entry.handle = null;
    await this.unlinkAll(entry.sha256);
    this.entries.delete(entry.sha256);
  }

  private async unlinkAll(sha: string): Promise<void> {
    for (const ext of EXTS)
      await unlink(this.file(sha, ext)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
  }

  /** Closes open files (agent stop, emulated reboot or power loss). */
  async close(): Promise<void> {
    for (const entry of this.entries.values()) {
      await entry.handle?.close().catch(() => undefined);
      entry.handle = null;
    }
    this.entries.clear();
  }
}

function unknownArtifact(sha: string): FgpError {
  return new FgpError('unknown_artifact', `the gateway has no artifact ${sha.slice(0, 12)}…: start it with artifact.begin`);
}

export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
