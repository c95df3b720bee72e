/**
 * The gateway's boot environment, `<state>/slots/boot.json`: which slot is confirmed, which one
 * is to be tried (and since when, until when), and the last rollback. The emulated bootloader
 * reads it on every boot; every change is a durable write (tmp, fsync, rename, fsync dir) in two
 * numbered steps, so a power cut leaves the old environment or the new one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { commitTmp, tmpPathFor, writeTmpSynced } from '../durable-file.js';
import type { PowerPhase, PowerRail } from '../faults/faults.js';
import { SLOTS_DIR } from './slot-image.js';

export const BOOT_FILE = 'boot.json';

const slotName = z.enum(['a', 'b']);

const bootFile = z.object({
  schema: z.literal(1),
  /** The confirmed slot: what the gateway boots when no trial is pending. */
  active: slotName,
  trial: z
    .object({
      slot: slotName,
      requestedAt: z.number().int(),
      /** Set on the first boot into the trial; a second boot without confirm rolls back. */
      bootedAt: z.number().int().nullable(),
      deadline: z.number().int().nullable(),
    })
    .nullable(),
  lastRollback: z.object({ at: z.number().int(), reason: z.string().max(1024), from: slotName, to: slotName }).nullable(),
});

export type BootState = z.infer<typeof bootFile>;

export function bootFilePath(stateDir: string): string {
  return path.join(stateDir, SLOTS_DIR, BOOT_FILE);
}

/** The boot environment; without one (never updated) the slot device.json names is active. */
export async function readBootState(stateDir: string, factoryActive: 'a' | 'b'): Promise<{ state: BootState; problem: string | null }> {
  const fallback: BootState = { schema: 1, active: factoryActive, trial: null, lastRollback: null };
  let text: string;
  try {
    text = await readFile(bootFilePath(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: fallback, problem: null };
    return { state: fallback, problem: (err as Error).message };
  }
  try {
    return { state: bootFile.parse(JSON.parse(text)), problem: null };
  } catch (err) {
    return { state: fallback, problem: `${BOOT_FILE} is damaged (${(err as Error).message.slice(0, 200)})` };
  }
}

/**
 * Writes the boot environment in two steps of `phase` (`first`: the temporary file, `first + 1`:
 * the rename). Without `power` (rollbacks the gateway decides itself) no step can fail on purpose.
 */
export async function writeBootState(
  stateDir: string,
  state: BootState,
  power: { readonly rail: PowerRail; readonly phase: PowerPhase; readonly first: number } | null,
): Promise<void> {
  const file = bootFilePath(stateDir);
  const text = `${JSON.stringify(bootFile.parse(state), null, 2)}\n`;
  await power?.rail.step(power.phase, power.first, `write ${BOOT_FILE} (temporary file)`, () =>
    writeFile(tmpPathFor(file), text.slice(0, Math.floor(text.length / 2))),
  );
  await writeTmpSynced(file, text);
  await power?.rail.step(power.phase, power.first + 1, `rename ${BOOT_FILE} into place`);
  await commitTmp(file);
}
