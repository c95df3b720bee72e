/**
 * Witnesses: the latest signed checkpoint of each laptop's audit log that touched this gateway.
 *
 * A laptop's hash chain cannot show that its own tail was cut off; a checkpoint it left here can.
 * The store never goes backwards (a lower seq does not replace a higher one) and keeps a bounded
 * number of logs, so a stranger with a valid key cannot fill the disk.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkCheckpoint, type Checkpoint } from '../core/audit/checkpoint.js';
import { writeDurable } from './durable-file.js';

export const MAX_WITNESSED_LOGS = 256;

export interface WitnessOutcome {
  /** The checkpoint this gateway holds for the log after the call. */
  readonly stored: Checkpoint | null;
  /** True when the offered checkpoint is older than, or forks from, the one held. */
  readonly kept: boolean;
  /** Same seq, different head: the laptop's chain was rewritten after this gateway witnessed it. */
  readonly conflict: boolean;
}

export class WitnessStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'audit-witness');
  }

  async get(log: string): Promise<Checkpoint | null> {
    let text: string;
    try {
      text = await readFile(this.fileOf(log), 'utf8');
    } catch {
      return null;
    }
    // A damaged witness file is treated as absent: the next checkpoint offered replaces it.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return null;
    }
    const checked = checkCheckpoint(value, log);
    return checked.ok ? checked.checkpoint : null;
  }

  /** Keeps `checkpoint` unless the one held is newer (never goes back); says which it kept. */
  async offer(checkpoint: Checkpoint): Promise<WitnessOutcome> {
    const held = await this.get(checkpoint.log);
    if (held && held.seq > checkpoint.seq) return { stored: held, kept: true, conflict: false };
    if (held && held.seq === checkpoint.seq) return { stored: held, kept: true, conflict: held.head !== checkpoint.head };
    await mkdir(this.dir, { recursive: true });
    await writeDurable(this.fileOf(checkpoint.log), JSON.stringify(checkpoint));
    await this.evictBeyond(MAX_WITNESSED_LOGS);
    return { stored: checkpoint, kept: false, conflict: false };
  }

  private fileOf(log: string): string {
    if (!/^[0-9a-f]{64}$/.test(log)) throw new Error('a log id is 64 lowercase hex digits');
    return path.join(this.dir, `${log}.json`);
  }

  private async evictBeyond(limit: number): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    if (names.length <= limit) return;
    const aged = await Promise.all(names.map(async (n) => ({ n, at: (await stat(path.join(this.dir, n))).mtimeMs })));
    aged.sort((a, b) => a.at - b.at);
    for (const { n } of aged.slice(0, aged.length - limit)) await rm(path.join(this.dir, n), { force: true });
  }
}
