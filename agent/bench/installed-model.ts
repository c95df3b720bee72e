/**
 * A `ModelRef` (by name and version, or by the .onnx file's SHA-256) → the installed model's
 * bytes, read from the gateway's model store. What runs is checked against the hash the store
 * recorded at install, so a file changed on disk since is refused rather than benchmarked.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { manifestSchema } from '../../core/bundle/manifest.js';
import { FgpError } from '../../core/protocol/errors.js';
import { toHex } from '../../core/protocol/identity.js';
import { inside } from '../slots/payload-writer.js';
import { modelsRoot, readModelIndex, type ModelEntry } from '../slots/model-store.js';

export const modelRefSchema = z.union([
  z.object({ name: z.string().min(1).max(255), version: z.string().max(64) }),
  z.object({ sha256: z.instanceof(Uint8Array).refine((b) => b.length === 32, { message: 'expected 32 bytes (a SHA-256)' }) }),
]);
export type ModelRef = z.infer<typeof modelRefSchema>;

export interface InstalledModel {
  readonly entry: ModelEntry;
  readonly bytes: Uint8Array;
}

function describeRef(ref: ModelRef): string {
  return 'sha256' in ref ? `with SHA-256 ${toHex(ref.sha256)}` : `"${ref.name}" ${ref.version}`;
}

/** An installed model found in the store's index, with where its .onnx file is; nothing read yet. */
export interface LocatedModel {
  readonly entry: ModelEntry;
  /** The .onnx file inside the model's store folder. */
  readonly file: string;
  /** Every installed model's SHA-256, as the index lists them now. */
  readonly installed: ReadonlySet<string>;
}

const unreadable = (entry: ModelEntry, err: unknown): FgpError =>
  new FgpError('model_load_failed', `model "${entry.name}" ${entry.version} cannot be read: ${(err as Error).message.slice(0, 300)}`);

export async function locateInstalledModel(stateDir: string, ref: ModelRef): Promise<LocatedModel> {
  let entries: ModelEntry[];
  try {
    entries = (await readModelIndex(stateDir)) ?? [];
  } catch (err) {
    throw new FgpError('model_load_failed', `the gateway's model store does not load: ${(err as Error).message.slice(0, 300)}`);
  }
  const matches = (e: ModelEntry): boolean =>
    'sha256' in ref ? e.sha256 === toHex(ref.sha256) : e.name === ref.name && e.version === ref.version;
  const entry = entries.find(matches);
  if (!entry) {
    const have = entries.map((e) => `"${e.name}" ${e.version}`).join(', ') || 'none';
    throw new FgpError('model_not_installed', `no installed model ${describeRef(ref)} on this gateway (installed: ${have})`, {
      installed: entries.map((e) => ({ name: e.name, version: e.version, sha256: e.sha256 })),
    });
  }
  const dir = path.join(modelsRoot(stateDir), entry.dir);
  try {
    const manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')));
    const payload = manifest.payloads.find((p) => p.target === 'model');
    if (!payload) throw new Error('its manifest lists no payload with target "model"');
    return { entry, file: inside(path.join(dir, 'files'), payload.path), installed: new Set(entries.map((e) => e.sha256)) };
  } catch (err) {
    throw unreadable(entry, err);
  }
}

/** The located model's bytes, refused when they no longer hash to what the store recorded at install. */
export async function readLocatedModel(located: LocatedModel): Promise<Uint8Array> {
  const { entry } = located;
  try {
    const buf = await readFile(located.file);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== entry.sha256) throw new Error(`the model file's SHA-256 is ${actual}, not the ${entry.sha256} recorded at install`);
    return bytes;
  } catch (err) {
    throw unreadable(entry, err);
  }
}

export async function readInstalledModel(stateDir: string, ref: ModelRef): Promise<InstalledModel> {
  const located = await locateInstalledModel(stateDir, ref);
  return { entry: located.entry, bytes: await readLocatedModel(located) };
}
