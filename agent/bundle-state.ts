/**
 * What the gateway remembers about the bundles it installed: rollback protection that does not
 * depend on the laptop.
 *
 *   bundle-guard.json   per kind, the highest security counter installed; and a trusted-time
 *                       floor (the newest `created` of any installed bundle, and the gateway's own
 *                       clock at its last confirmed install)
 *
 * The laptop is only a carrier: a wiped laptop, or one whose clock is set back, must not be able
 * to push an older or expired bundle. So this file only ever moves forward, is written
 * atomically and fsync'd, and a damaged file is an error (never "start again from zero", which is
 * exactly the rollback it exists to stop).
 */
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BUNDLE_KINDS, type BundleKind, type Manifest } from '../core/bundle/manifest.js';
import { StateError } from './state.js';

export const BUNDLE_GUARD_FILE = 'bundle-guard.json';
export const BUNDLE_GUARD_SCHEMA = 1;

const isoTime = z.iso.datetime({ offset: true });

const counterEntry = z.strictObject({
  counter: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The bundle that set it, so a technician can see why an older bundle is refused. */
  bundle: z.string().min(1).max(256),
  version: z.string().min(1).max(256),
  committedAt: isoTime,
});

const guardFile = z.strictObject({
  schema: z.literal(BUNDLE_GUARD_SCHEMA),
  counters: z.strictObject({ 'os-image': counterEntry.optional(), firmware: counterEntry.optional(), model: counterEntry.optional() }),
  trustedTime: z.strictObject({
    newestCreated: z.strictObject({ at: isoTime, bundle: z.string().min(1).max(256) }).nullable(),
    lastKnownGood: isoTime.nullable(),
  }),
});

export type BundleGuardFile = z.infer<typeof guardFile>;
export type CounterEntry = z.infer<typeof counterEntry>;

/** The guard's state at one moment, in the units the checks use (epoch milliseconds). */
export interface GuardSnapshot {
  readonly counters: Readonly<Record<BundleKind, number>>;
  /** Newest trusted time the gateway has evidence of, or null before the first install. */
  readonly trustedTimeFloor: number | null;
  /** Where the floor comes from, for messages. */
  readonly floorSource: 'bundle-created' | 'last-known-good' | null;
  readonly file: BundleGuardFile;
}

export interface CommitResult {
  readonly before: GuardSnapshot;
  readonly after: GuardSnapshot;
  /** True when the counter for the bundle's kind went up. */
  readonly counterRaised: boolean;
}

const EMPTY: BundleGuardFile = { schema: BUNDLE_GUARD_SCHEMA, counters: {}, trustedTime: { newestCreated: null, lastKnownGood: null } };

const GUARD_FIX =
  'Restore bundle-guard.json from a backup of this gateway. Deleting it re-enables installing older bundles (rollback protection starts again from zero), so do that only when re-provisioning the gateway.';

function snapshotOf(file: BundleGuardFile): GuardSnapshot {
  const counters = Object.fromEntries(BUNDLE_KINDS.map((k) => [k, file.counters[k]?.counter ?? 0])) as Record<BundleKind, number>;
  const created = file.trustedTime.newestCreated ? Date.parse(file.trustedTime.newestCreated.at) : null;
  const good = file.trustedTime.lastKnownGood ? Date.parse(file.trustedTime.lastKnownGood) : null;
  let trustedTimeFloor: number | null = null;
  let floorSource: GuardSnapshot['floorSource'] = null;
  if (created !== null) [trustedTimeFloor, floorSource] = [created, 'bundle-created'];
  if (good !== null && (trustedTimeFloor === null || good > trustedTimeFloor)) [trustedTimeFloor, floorSource] = [good, 'last-known-good'];
  return { counters, trustedTimeFloor, floorSource, file };
}

function fieldPath(p: readonly PropertyKey[]): string | null {
  return p.length ? p.map(String).join('.') : null;
}

async function readGuardFile(file: string): Promise<BundleGuardFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    throw new StateError(file, null, e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message, GUARD_FIX);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StateError(file, null, `not valid JSON (${(err as Error).message}); every bundle is refused until it is repaired`, GUARD_FIX);
  }
  const parsed = guardFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StateError(
      file,
      fieldPath(issue?.path ?? []),
      `${issue?.message ?? 'invalid'}; every bundle is refused until it is repaired`,
      GUARD_FIX,
    );
  }
  return parsed.data;
}

/** Write, fsync, rename, fsync the directory: the counter must survive a power cut right after an install. */
async function writeDurable(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function later(a: string | null, b: string): string {
  return a !== null && Date.parse(a) >= Date.parse(b) ? a : b;
}

/**
 * The gateway's persisted rollback and clock floor. One instance per state directory; commits
 * are serialised so two installs finishing together cannot lose a raise.
 */
export class BundleGuardStore {
  private current: BundleGuardFile;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    initial: BundleGuardFile,
  ) {
    this.current = initial;
  }

  /** Opens (never creates until the first commit) the guard file in `stateDir`; throws StateError if damaged. */
  static async open(stateDir: string): Promise<BundleGuardStore> {
    const file = path.join(path.resolve(stateDir), BUNDLE_GUARD_FILE);
    return new BundleGuardStore(file, (await readGuardFile(file)) ?? EMPTY);
  }

  snapshot(): GuardSnapshot {
    return snapshotOf(this.current);
  }

  /**
   * Records a confirmed install: raises the kind's counter and the time floor, never lowers them.
   * `now` is the gateway clock at confirmation. It only counts up to the bundle's `expires`:
   * the install was accepted with a clock before that, so a clock that jumped forward later in
   * the process cannot lift the floor past bundles that are still valid.
   */
  commit(manifest: Manifest, now: number): Promise<CommitResult> {
    const run = this.queue.then(async () => {
      const before = this.current;
      const existing = before.counters[manifest.kind];
      const counterRaised = manifest.securityCounter > (existing?.counter ?? 0);
      const entry: CounterEntry =
        existing && existing.counter > manifest.securityCounter
          ? existing
          : {
              counter: manifest.securityCounter,
              bundle: manifest.name,
              version: manifest.version,
              committedAt: new Date(now).toISOString(),
            };
      const created = before.trustedTime.newestCreated;
      const newestCreated =
        created && Date.parse(created.at) >= Date.parse(manifest.created) ? created : { at: manifest.created, bundle: manifest.name };
      const good = new Date(Math.min(now, Date.parse(manifest.expires))).toISOString();
      const next: BundleGuardFile = {
        schema: BUNDLE_GUARD_SCHEMA,
        counters: { ...before.counters, [manifest.kind]: entry },
        trustedTime: { newestCreated, lastKnownGood: later(before.trustedTime.lastKnownGood, good) },
      };
      try {
        await writeDurable(this.file, `${JSON.stringify(next, null, 2)}\n`);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new StateError(
          this.file,
          null,
          `could not record the install (${e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message})`,
          'Free space or fix permissions in the state directory, then confirm the install again: until it is recorded, rollback protection does not know about it.',
        );
      }
      this.current = next;
      return { before: snapshotOf(before), after: snapshotOf(next), counterRaised };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
