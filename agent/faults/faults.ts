/**
 * Fault injection for the reference agent: the link and power failures a commissioning day
 * brings, on demand, so the laptop's transfer, resume and rollback paths can be tested for real.
 *
 * Faults that fire "once" do so once per agent process (a test restarts the agent to re-arm
 * them); `cutEvery` re-arms the cut on every new connection.
 */

export type PowerPhase = 'install' | 'activate' | 'confirm';

export interface PowerLossAt {
  readonly phase: PowerPhase;
  /** 1-based write step of that phase (protocol.md §6.9 lists them). */
  readonly step: number;
}

export interface AgentFaults {
  /** Delay before every answer, to make a slow link or a busy gateway testable. */
  readonly latencyMs?: number;
  /** Drop the connection after this many bytes received on it (once, or on every connection with `cutEvery`). */
  readonly cutAfterBytes?: number;
  readonly cutEvery?: boolean;
  /** Flip the byte at this artifact offset after the frame CRC passed (once): commit finds the damage. */
  readonly corruptChunkAt?: number;
  /** Stop reading after this many bytes received on a connection (once): the sender sees a stall. */
  readonly stallAfterBytes?: number;
  /** Pace the agent's side of the link to this baud rate, 10 bits per byte, both directions. */
  readonly throttleBaud?: number;
  /** Refuse every bundle at `artifact.commit` as if verification failed. */
  readonly failVerify?: boolean;
  /** Fail the health check of every trial boot (so the gateway rolls back). */
  readonly failHealth?: boolean;
  /** Lose power before write step N of a phase: everything stops as if the process died. */
  readonly powerLossAt?: PowerLossAt;
}

/** What has already fired, shared by every connection of one agent process. */
export class FaultState {
  cutDone = false;
  stallDone = false;
  corruptDone = false;

  constructor(readonly faults: AgentFaults) {}

  /** True when this connection should be wrapped (the fault needs to see its bytes). */
  get touchesStream(): boolean {
    const f = this.faults;
    return f.cutAfterBytes !== undefined || f.stallAfterBytes !== undefined || f.throttleBaud !== undefined;
  }

  /** Byte index (within `length` bytes at `offset`) to flip, or -1. Fires once. */
  corruptionIn(offset: number, length: number): number {
    const at = this.faults.corruptChunkAt;
    if (at === undefined || this.corruptDone || at < offset || at >= offset + length) return -1;
    this.corruptDone = true;
    return at - offset;
  }
}

/** Thrown by a write step when the emulated power goes; the agent is already down. */
export class PowerLost extends Error {
  constructor(
    readonly phase: PowerPhase,
    readonly step: number,
    readonly what: string,
  ) {
    super(`power lost at ${phase} step ${step} (${what})`);
    this.name = 'PowerLost';
  }
}

/**
 * Numbered write steps. Every durable write of install, activate and confirm goes through
 * `step()`, so a test can cut power before any one of them and check what the gateway boots.
 */
export class PowerRail {
  private dead = false;

  constructor(
    private readonly at: PowerLossAt | undefined,
    /** Abandons the agent (closes everything without writing); called once. */
    private readonly onLoss: (loss: PowerLost) => void,
  ) {}

  get lost(): boolean {
    return this.dead;
  }

  /**
   * Call before write step `n` of `phase`. Throws PowerLost (after taking the agent down) when
   * the power is to go here, or has already gone (a write racing the loss must not happen).
   * `partial` runs first: what a half-done step leaves behind (a torn file).
   */
  async step(phase: PowerPhase, n: number, what: string, partial?: () => Promise<void>): Promise<void> {
    if (this.dead) throw new PowerLost(phase, n, what);
    if (this.at && this.at.phase === phase && this.at.step === n) {
      if (partial) await partial().catch(() => undefined);
      this.dead = true;
      const loss = new PowerLost(phase, n, what);
      this.onLoss(loss);
      throw loss;
    }
  }
}
