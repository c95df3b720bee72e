/**
 * The gateway's model store: `<state>/models/<name>/<version>/files/…` with the bundle's
 * manifest.json, and `models/index.json` naming the active version of each model.
 *
 * A new version is written beside the old one, checked with its golden cases, and only then
 * made active by rewriting the index (tmp, fsync, rename): a power cut or a failed check leaves
 * the previous version active.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { manifestSchema, type Manifest, type PayloadTarget } from '../../core/bundle/manifest.js';
import { FgpError } from '../../core/protocol/errors.js';
import { commitTmp, tmpPathFor, writeDurable, writeTmpSynced } from '../durable-file.js';
import type { PowerRail } from '../faults/faults.js';
import { checkModel, type ModelCheck } from './model-check.js';
import { inside, unpackedSize, writePayload } from './payload-writer.js';
import { checkTargets, installableTargets } from './payload-targets.js';

export const MODELS_DIR = 'models';
const INDEX_FILE = 'index.json';

const indexEntry = z.object({
  name: z.string().min(1).max(255),
  version: z.string().max(64),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  dir: z.string(),
  installedAt: z.number().int(),
});
const indexFile = z.object({ schema: z.literal(1), models: z.array(indexEntry).max(1024) });
export type ModelEntry = z.infer<typeof indexEntry>;

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 64) || 'model'
  );
}

export function modelsRoot(stateDir: string): string {
  return path.join(stateDir, MODELS_DIR);
}

/** The index, or null when no model was ever installed. Throws when it is damaged. */
export async function readModelIndex(stateDir: string): Promise<ModelEntry[] | null> {
  let text: string;
  try {
    text = await readFile(path.join(modelsRoot(stateDir), INDEX_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return indexFile.parse(JSON.parse(text)).models;
}

/** Loads every active model and runs its golden cases: the model part of the health check. */
export async function checkModelStore(stateDir: string): Promise<ModelCheck> {
  let entries: ModelEntry[] | null;
  try {
    entries = await readModelIndex(stateDir);
  } catch (err) {
    return { ok: false, message: `the model store does not load: ${(err as Error).message.slice(0, 300)}` };
  }
  if (!entries || entries.length === 0) return { ok: true, message: 'no model installed' };
  const passed: string[] = [];
  for (const entry of entries) {
    const dir = path.join(modelsRoot(stateDir), entry.dir);
    let manifest: Manifest;
    try {
      manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')));
    } catch (err) {
      return {
        ok: false,
        message: `model "${entry.name}" ${entry.version}: its manifest does not load (${(err as Error).message.slice(0, 200)})`,
      };
    }
    const check = await checkModel(path.join(dir, 'files'), manifest);
    if (!check.ok) return check;
    passed.push(`${entry.name} ${entry.version}`);
  }
  return { ok: true, message: `models load and pass their golden cases: ${passed.join(', ')}` };
}

/**
 * Installs a verified model bundle. Write steps (phase 'install'): 1 clear the version's
 * directory, 2…k+1 one per payload, k+2 manifest.json, then (after the golden check) k+3 the
 * index's temporary file, k+4 its rename. Returns the new entry; the caller records the install
 * with the bundle guard.
 */
export async function installModel(
  stateDir: string,
  artifact: { readonly sha256: string; readonly file: string; readonly manifest: Manifest },
  power: PowerRail,
): Promise<{ entry: ModelEntry; check: ModelCheck }> {
  const manifest = artifact.manifest;
  const rel = path.join(slug(manifest.name), slug(manifest.version));
  const dir = path.join(modelsRoot(stateDir), rel);
  const filesDir = path.join(dir, 'files');
  checkTargets(manifest);
  const modelPayload = manifest.payloads.find((p) => p.target === 'model');
  if (!modelPayload) throw new FgpError('install_failed', `model bundle "${manifest.name}" has no payload with target "model"`);

  const current = (await readModelIndex(stateDir).catch(() => null)) ?? [];
  if (current.some((m) => m.dir === rel))
    // Reinstalling the active version: write elsewhere first, never over what runs.
    throw new FgpError('install_failed', `model "${manifest.name}" ${manifest.version} is already the active version on this gateway`);

  await power.step('install', 1, `clear ${rel}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(filesDir, { recursive: true });

  const payloads = manifest.payloads.filter((p) => isModelFile(p.target));
  let modelSha = '';
  for (const [i, payload] of payloads.entries()) {
    const dest = inside(filesDir, payload.path);
    await power.step('install', 2 + i, `write ${payload.path}`, async () => {
      await mkdir(path.dirname(dest), { recursive: true });
      await writePayload(artifact.file, payload, dest, Math.floor(unpackedSize(payload) / 2));
    });
    await mkdir(path.dirname(dest), { recursive: true });
    const written = await writePayload(artifact.file, payload, dest);
    if (payload === modelPayload && written) modelSha = written.sha256;
  }
  const k = payloads.length;
  await power.step('install', k + 2, 'write manifest.json');
  await writeDurable(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const check = await checkModel(filesDir, manifest);
  if (!check.ok) {
    await rm(dir, { recursive: true, force: true });
    throw new FgpError('health_failed', `the model was not activated: ${check.message}`, { message: check.message });
  }

  const entry: ModelEntry = {
    name: manifest.name,
    version: manifest.version,
    sha256: modelSha || hashOf(''),
    dir: rel,
    installedAt: Date.now(),
  };
  const next = [...current.filter((m) => m.name !== manifest.name), entry];
  const indexPath = path.join(modelsRoot(stateDir), INDEX_FILE);
  const text = `${JSON.stringify({ schema: 1, models: next }, null, 2)}\n`;
  await power.step('install', k + 3, `write models/${INDEX_FILE} (temporary file)`, () =>
    writeFile(tmpPathFor(indexPath), text.slice(0, Math.floor(text.length / 2))),
  );
  await writeTmpSynced(indexPath, text);
  await power.step('install', k + 4, `rename models/${INDEX_FILE} into place`);
  await commitTmp(indexPath);
  // The previous version is no longer referenced.
  for (const old of current.filter((m) => m.name === manifest.name))
    await rm(path.join(modelsRoot(stateDir), old.dir), { recursive: true, force: true });
  return { entry, check };
}

/** Written into the version's files directory: the model, its golden tensors and its aux files. */
function isModelFile(target: PayloadTarget): boolean {
  return installableTargets('model').includes(target);
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function modelInstallSteps(manifest: Manifest): number {
  return manifest.payloads.filter((p) => isModelFile(p.target)).length + 4;
}
