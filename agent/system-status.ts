/**
 * Live health figures of the machine the agent runs on.
 */
import { readdir, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';

export interface DiskSpace {
  readonly freeBytes: number;
  readonly totalBytes: number;
}

/** Free space for unprivileged writers (bavail), where the agent keeps artifacts and models. */
export async function diskSpace(dir: string): Promise<DiskSpace | null> {
  try {
    const s = await statfs(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

/** The hottest thermal zone in °C, or null where the kernel exposes none (VMs, containers). */
export async function temperatureC(root = '/sys/class/thermal'): Promise<number | null> {
  let zones: string[];
  try {
    zones = (await readdir(root)).filter((z) => z.startsWith('thermal_zone'));
  } catch {
    return null;
  }
  const readings = await Promise.all(
    zones.map(async (zone) => {
      try {
        const milli = Number((await readFile(`${root}/${zone}/temp`, 'utf8')).trim());
        return Number.isFinite(milli) ? milli / 1000 : null;
      } catch {
        return null;
      }
    }),
  );
  const valid = readings.filter((r): r is number => r !== null && r > -100 && r < 200);
  return valid.length ? Math.max(...valid) : null;
}

export interface MemoryFigures {
  readonly totalBytes: number;
  readonly availableBytes: number;
}

export function memory(): MemoryFigures {
  return { totalBytes: os.totalmem(), availableBytes: os.freemem() };
}

export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = os.loadavg();
  const round = (n: number): number => Math.round(n * 100) / 100;
  return [round(a), round(b), round(c)];
}
