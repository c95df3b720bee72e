/**
 * What request handlers may see of a running agent, and of the link a request came in on.
 */
import type { Ed25519Identity } from '../core/protocol/identity.js';
import type { BundleGuard } from './bundle-guard.js';
import type { DeviceFile } from './state-schema.js';
import type { TrustLoad } from './state.js';

export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
}

export const silentLog: AgentLog = { info: () => {}, warn: () => {} };

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
  /** `performance.now()` when the agent started: uptime must not jump with the wall clock. */
  readonly startedAt: number;
  readonly log: AgentLog;
}

export type TransportKind = 'tls' | 'tcp' | 'serial';

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
