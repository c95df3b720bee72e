/**
 * One benchmark or inference at a time per gateway, and the samples of the last runs for
 * `bench.samples`. Kept beside the agent (a WeakMap on its context) rather than in it: only the
 * bench methods need it, and it dies with the agent.
 */
import { randomBytes } from 'node:crypto';
import { FgpError } from '../../core/protocol/errors.js';
import type { AgentContext } from '../agent-context.js';
import type { CancelSignal, LiveSamples } from './bench-loop.js';

/** Runs whose samples stay readable (BENCH-DESIGN.md). */
export const KEPT_RUNS = 8;

export interface RunRecord {
  readonly runId: string;
  readonly live: LiveSamples;
  readonly cancel: CancelSignal;
  finished: boolean;
}

export class RunRegistry {
  /** What holds the gateway now: a bench run, or an `infer`. */
  private holder: { readonly what: string; readonly run: RunRecord | null } | null = null;
  private readonly runs = new Map<string, RunRecord>();

  /** Takes the gateway for `what`; throws bench_busy while something else has it. */
  acquire(what: string, withRun: boolean): RunRecord | null {
    if (this.holder)
      throw new FgpError(
        'bench_busy',
        `the gateway is busy with ${this.holder.what}; one benchmark or inference runs at a time${this.holder.run ? ` (bench.cancel {runId: "${this.holder.run.runId}"} stops it)` : ''}`,
        this.holder.run ? { runId: this.holder.run.runId } : undefined,
      );
    const run: RunRecord | null = withRun
      ? {
          runId: randomBytes(8).toString('hex'),
          live: { samples: new Float64Array(0), count: 0 },
          cancel: { cancelled: false },
          finished: false,
        }
      : null;
    this.holder = { what, run };
    if (run) {
      this.runs.set(run.runId, run);
      for (const id of this.runs.keys()) if (this.runs.size > KEPT_RUNS) this.runs.delete(id);
    }
    return run;
  }

  release(run: RunRecord | null): void {
    if (run) run.finished = true;
    this.holder = null;
  }

  get(runId: string): RunRecord | undefined {
    return this.runs.get(runId);
  }

  get active(): RunRecord | null {
    return this.holder?.run ?? null;
  }
}

const registries = new WeakMap<AgentContext, RunRegistry>();

export function runRegistry(agent: AgentContext): RunRegistry {
  let registry = registries.get(agent);
  if (!registry) {
    registry = new RunRegistry();
    registries.set(agent, registry);
  }
  return registry;
}
