/**
 * What one gateway's flash flow needs from its job: a way to reach the gateway, the bundle, the
 * preflight verdict, and where to report.
 */
import type { BundleKindName, DeviceDescriptor, DevicePath, FlashRollback, FlashStep, FlashStepOutcome } from '../../api/schemas.js';
import type { FgpPeer } from '../../protocol/peer.js';
import type { TargetPatch } from './job-store.js';

/** An opened, verified and authenticated session with one gateway. */
export interface FlashSession {
  readonly peer: FgpPeer;
  readonly descriptor: DeviceDescriptor;
  /** The path it was opened over; kept with the job so a retry after a restart can reach it again. */
  readonly path?: DevicePath;
  close(): Promise<void>;
}

/** The bundle as it was flashed, kept with the job: the library may lose it, the record must not. */
export interface BundleRecord {
  readonly fileName: string;
  readonly size: number;
  readonly securityCounter: number | null;
  readonly signers: readonly {
    readonly keyId: string;
    readonly name: string | null;
    readonly status: string;
    readonly counted: boolean;
  }[];
}

export interface FlashBundle {
  readonly id: string;
  readonly path: string;
  readonly size: number;
  readonly kind: BundleKindName;
  readonly name: string;
  readonly version: string;
  readonly record?: BundleRecord;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string };

export interface FlashTiming {
  /** How long to keep trying to reach a gateway after a reboot or a lost link. */
  readonly reconnectMs: number;
  readonly backoffMs: readonly number[];
  /** How long to wait for the gateway's own health verdict after a trial boot. */
  readonly healthMs: number;
  /** Transfer attempts in a row that bring the gateway no further before the step fails. */
  readonly transferAttempts: number;
  /** Per chunk request: an unanswered chunk for this long counts as a stalled link. */
  readonly chunkTimeoutMs: number;
}

export const DEFAULT_TIMING: FlashTiming = {
  reconnectMs: 60_000,
  backoffMs: [200, 400, 800, 1600, 3000],
  healthMs: 60_000,
  transferAttempts: 6,
  chunkTimeoutMs: 30_000,
};

/** Live transfer figures, reported with a patch but never stored. */
export interface LiveFigures {
  readonly rateBps?: number;
  readonly etaSeconds?: number | null;
}

export interface FlowContext {
  readonly jobId: string;
  readonly deviceId: string;
  readonly bundle: FlashBundle;
  readonly connect: () => Promise<FlashSession>;
  /** The library's verification of the bundle for this gateway (hardware, counter, clock…). */
  readonly check: (descriptor: DeviceDescriptor) => Promise<Verdict>;
  readonly signal: AbortSignal;
  readonly timing: FlashTiming;
  /** The step the previous run of this gateway reached (resume), or null for a first run. */
  readonly previousStep: FlashStep | null;
  report(patch: TargetPatch, live?: LiveFigures): void;
  step(step: FlashStep, outcome: FlashStepOutcome, detail?: string): void;
}

export type FlowOutcome =
  | { readonly state: 'succeeded' }
  | {
      readonly state: 'failed' | 'skipped' | 'cancelled';
      readonly step: FlashStep;
      readonly error: { readonly code: string; readonly message: string };
      readonly rollback: FlashRollback | null;
    };
