/**
 * The A/B firmware slots: `<state>/slots/<a|b>/files/…` (the image), `bootloader/…` and `aux/…`
 * (the bundle's other payload targets, payload-targets.ts) and `slot.json`, written last.
 *
 * A slot is only "complete" when slot.json is there and readable: it is written (tmp, fsync,
 * rename, fsync dir) after every file of the image is on disk, and removed first when a new
 * install starts. So a power cut anywhere in an install leaves the slot complete-old (before the
 * first step), empty (in between) or complete-new (after the last), never half of one and
 * labelled as the other. A slot without a directory is the factory image device.json describes.
 */
import { mkdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { manifestSchema, type Manifest } from '../../core/bundle/manifest.js';
import { commitTmp, fsyncDir, tmpPathFor, writeTmpSynced } from '../durable-file.js';
import type { PowerRail } from '../faults/faults.js';
import { inside, unpackedSize, writePayload, type WrittenFile } from './payload-writer.js';
import { checkTargets, isSlotTarget, SLOT_TARGET_DIRS, SLOT_TARGETS, type SlotTarget } from './payload-targets.js';

export type SlotName = 'a' | 'b';
export const SLOT_NAMES: readonly SlotName[] = ['a', 'b'];
export const SLOTS_DIR = 'slots';
export const SLOT_FILE = 'slot.json';

const slotFile = z.object({
  schema: z.literal(1),
  slot: z.enum(['a', 'b']),
  version: z.string().max(64),
  artifact: z.string().regex(/^[0-9a-f]{64}$/),
  manifest: manifestSchema,
  files: z.array(
    z.object({
      path: z.string(),
      size: z.number().int().min(0),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      /** Absent in records written before bootloader and aux payloads were installed: `slot`. */
      target: z.enum(SLOT_TARGETS).optional(),
    }),
  ),
  installedAt: z.number().int(),
});
export type SlotFile = z.infer<typeof slotFile>;

export type SlotImage =
  | { readonly name: SlotName; readonly kind: 'factory'; readonly version: string }
  | { readonly name: SlotName; readonly kind: 'installed'; readonly version: string; readonly record: SlotFile }
  | { readonly name: SlotName; readonly kind: 'empty'; readonly version: ''; readonly why: string };

export function slotDir(stateDir: string, slot: SlotName): string {
  return path.join(stateDir, SLOTS_DIR, slot);
}

/** Where an installed file of a slot is: its target's directory, then its bundle path. */
export function slotFilePath(stateDir: string, slot: SlotName, file: { readonly path: string; readonly target?: SlotTarget }): string {
  return inside(path.join(slotDir(stateDir, slot), SLOT_TARGET_DIRS[file.target ?? 'slot']), file.path);
}

/** What is in a slot. `factoryVersion` is device.json's, for a slot never installed into ('' = none). */
export async function readSlot(stateDir: string, slot: SlotName, factoryVersion: string): Promise<SlotImage> {
  const dir = slotDir(stateDir, slot);
  let text: string;
  try {
    text = await readFile(path.join(dir, SLOT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { name: slot, kind: 'empty', version: '', why: (err as Error).message };
    const dirExists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (!dirExists)
      return factoryVersion
        ? { name: slot, kind: 'factory', version: factoryVersion }
        : { name: slot, kind: 'empty', version: '', why: 'never installed' };
    return { name: slot, kind: 'empty', version: '', why: 'an install into it did not finish' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { name: slot, kind: 'empty', version: '', why: `${SLOT_FILE} is not valid JSON` };
  }
  const parsed = slotFile.safeParse(json);
  if (!parsed.success || parsed.data.slot !== slot) return { name: slot, kind: 'empty', version: '', why: `${SLOT_FILE} is damaged` };
  return { name: slot, kind: 'installed', version: parsed.data.version, record: parsed.data };
}

/**
 * Installs the slot, bootloader and aux payloads of a verified OS/firmware bundle into `slot`
 * (any other target is refused before the first write). Write steps (phase 'install'):
 * 1 invalidate slot.json, 2 remove the old files, 3…k+2 one per payload in manifest order,
 * then slot.json: k+3 the temporary file, k+4 the rename.
 */
export async function installSlot(
  stateDir: string,
  slot: SlotName,
  artifact: { readonly sha256: string; readonly file: string; readonly manifest: Manifest },
  power: PowerRail,
): Promise<SlotFile> {
  const dir = slotDir(stateDir, slot);
  const record = path.join(dir, SLOT_FILE);
  checkTargets(artifact.manifest);
  const payloads = artifact.manifest.payloads.flatMap((p) => (isSlotTarget(p.target) ? [{ ...p, target: p.target }] : []));
  if (!payloads.some((p) => p.target === 'slot')) throw new Error('the bundle has no payload with target "slot" to install');
  const targetDirs = SLOT_TARGETS.map((t) => path.join(dir, SLOT_TARGET_DIRS[t]));

  await power.step('install', 1, `invalidate slot ${slot}`);
  await mkdir(dir, { recursive: true });
  await fsyncDir(path.dirname(dir));
  await unlink(record).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  });
  await fsyncDir(dir);

  await power.step('install', 2, `remove the old files of slot ${slot}`);
  for (const targetDir of targetDirs) await rm(targetDir, { recursive: true, force: true });
  for (const targetDir of targetDirs) await mkdir(targetDir, { recursive: true });

  const written: (WrittenFile & { target: SlotTarget })[] = [];
  for (const [i, payload] of payloads.entries()) {
    const dest = slotFilePath(stateDir, slot, payload);
    await power.step('install', 3 + i, `write ${payload.target} ${payload.path}`, async () => {
      await mkdir(path.dirname(dest), { recursive: true });
      await writePayload(artifact.file, payload, dest, Math.floor(unpackedSize(payload) / 2));
    });
    await mkdir(path.dirname(dest), { recursive: true });
    const file = await writePayload(artifact.file, payload, dest);
    if (file) written.push({ ...file, target: payload.target });
  }
  for (const targetDir of targetDirs) await fsyncDir(targetDir);

  const content: SlotFile = {
    schema: 1,
    slot,
    version: artifact.manifest.version,
    artifact: artifact.sha256,
    manifest: artifact.manifest,
    files: written,
    installedAt: Date.now(),
  };
  const text = `${JSON.stringify(content, null, 2)}\n`;
  const k = payloads.length;
  await power.step('install', k + 3, `write ${SLOT_FILE} (temporary file)`, async () => {
    await writeFile(tmpPathFor(record), text.slice(0, Math.floor(text.length / 2)));
  });
  await writeTmpSynced(record, text);
  await power.step('install', k + 4, `rename ${SLOT_FILE} into place`);
  await commitTmp(record);
  return content;
}

/** Number of install write steps for a slot bundle (for tests that cut power at each). */
export function slotInstallSteps(manifest: Manifest): number {
  return manifest.payloads.filter((p) => isSlotTarget(p.target)).length + 4;
}
