/**
 * onnxruntime's per-operator profile. With `enableProfiling` the runtime writes a Chrome-trace
 * JSON file named from `profileFilePrefix` when the profile ends (its node binding returns
 * nothing), so the run gets its own temporary directory: read the one file there, add up the
 * kernel times per node, delete the directory.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export interface OpProfile {
  readonly op: string;
  readonly name: string;
  readonly totalUs: number;
  readonly count: number;
}

/** More nodes than this are summed into the slowest ones only: the answer must fit a frame. */
const MAX_PROFILE_ENTRIES = 200;
const PREFIX = 'fieldline-bench';

const traceEvent = z.object({
  cat: z.string().optional(),
  name: z.string().optional(),
  dur: z.number().optional(),
  args: z.object({ op_name: z.string().optional() }).passthrough().optional(),
});

export async function profileDir(): Promise<{ dir: string; prefix: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-profile-'));
  return { dir, prefix: path.join(dir, PREFIX) };
}

/** Kernel time per node from a Chrome trace (only "Node" events named `<node>_kernel_time`). */
export function aggregateTrace(events: unknown): OpProfile[] {
  if (!Array.isArray(events)) throw new Error('the profile is not a JSON array of trace events');
  const byNode = new Map<string, { op: string; name: string; totalUs: number; count: number }>();
  for (const raw of events) {
    const parsed = traceEvent.safeParse(raw);
    if (!parsed.success) continue;
    const e = parsed.data;
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || e.dur === undefined) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const op = e.args?.op_name ?? 'unknown';
    const entry = byNode.get(name) ?? { op, name, totalUs: 0, count: 0 };
    entry.totalUs += e.dur;
    entry.count++;
    byNode.set(name, entry);
  }
  return [...byNode.values()].sort((a, b) => b.totalUs - a.totalUs).slice(0, MAX_PROFILE_ENTRIES);
}

/** Reads and aggregates the trace the session wrote into `dir`, then removes `dir` whatever happens. */
export async function collectProfile(dir: string): Promise<OpProfile[]> {
  try {
    const files = (await readdir(dir)).filter((f) => f.startsWith(PREFIX) && f.endsWith('.json'));
    if (files.length === 0) throw new Error('onnxruntime wrote no profile file');
    return aggregateTrace(JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
