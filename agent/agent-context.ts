/**
 * What request handlers may see of a running agent, and of the link a request came in on.
 */
import type { WitnessStore } from './audit-witness-store.js';
import type { Ed25519Identity } from '../core/protocol/identity.js';
import type { ArtifactStore } from './artifacts/artifact-store.js';
import type { BundleGuard } from './bundle-guard.js';
import type { FaultState, PowerRail } from './faults/faults.js';
import type { SlotController } from './slots/slot-controller.js';
import type { DeviceFile } from './state-schema.js';
import type { TrustLoad } from './state.js';

export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
}

export const silentLog: AgentLog = { info: () => {}, warn: () => {} };

/** The last health check of a trial boot, for `status`. */
export interface HealthInfo {
  readonly state: 'ok' | 'failed' | 'unchecked';
  readonly message: string;
  readonly at: number | null;
}

/** Artifact store, A/B slots and the emulated reboot: what the flash methods work with. */
export interface FlashRuntime {
  readonly artifacts: ArtifactStore;
  readonly slots: SlotController;
  readonly power: PowerRail;
  readonly faults: FaultState;
  readonly rebootMs: number;
  /** Re-reads the slots and the model store into `device()`. */
  refresh(): Promise<void>;
  /** Emulated reboot, started just after the current answer is on its way. */
  scheduleReboot(reason: string): void;
  /** One install or boot change at a time. */
  exclusive<T>(run: () => Promise<T>): Promise<T>;
  health(): HealthInfo;
  /** A model install's golden check counts as the gateway's latest health check. */
  recordHealth(info: HealthInfo): void;
}

export interface AgentContext {
  readonly identity: Ed25519Identity;
  readonly stateDir: string;
  /** The device description as it is now (it changes on install, activate, config.set). */
  device(): DeviceFile;
  trustedTechnicians(): Promise<TrustLoad>;
  /**
   * The gateway's own bundle checks and rollback state (bundle-guard.json); null when that file
   * is damaged, in which case the gateway claims no counters and refuses every bundle.
   */
  readonly bundleGuard: BundleGuard | null;
  /** Checkpoints of laptops' audit logs left here (audit.witness). */
  readonly witnesses: WitnessStore;
  /** `performance.now()` when the agent started: uptime must not jump with the wall clock. */
  readonly startedAt: number;
  readonly log: AgentLog;
  readonly flash: FlashRuntime;
}

export type TransportKind = 'tls' | 'tcp' | 'serial' | 'usb';

export interface TransportInfo {
  readonly kind: TransportKind;
  /** Largest frame payload this transport accepts; `hello` settles on min(client's, this). */
  readonly maxFrame: number;
  /** The frame limit the FgpPeer was created with, before any `hello`. */
  readonly initialMaxFrame: number;
  /** Who is on the other end, for logs: "tls 127.0.0.1:53122", "serial /dev/ttyS1". */
  readonly remote: string;
  /**
   * Serial lines have no "connection closed": a session left idle this long forgets its
   * technician, so the next person to plug in must authenticate again.
   */
  readonly idleResetMs?: number;
}
