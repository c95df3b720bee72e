/**
 * What a host (Electron utility process, `fieldline serve`, the CLI) gets from the engine.
 */
import type { EventName } from '../api/contract.js';
import type { Handlers } from '../api/dispatch.js';
import type { AuditKeyVault } from '../audit/audit-key.js';
import type { FlashTiming } from '../flash/jobs/flow-types.js';

export interface EngineOptions {
  /** Where the engine keeps its SQLite store and the technician key. */
  readonly dataDir: string;
  readonly host: 'electron' | 'web' | 'cli';
  /** Defaults for discovery; `discovery.start` params override them. */
  readonly discovery?: {
    readonly interfaces?: readonly string[];
    readonly serialPorts?: readonly string[];
    readonly udpPort?: number;
  };
  /** Start discovery as soon as the engine is up (the UI's normal case). */
  readonly autoStartDiscovery?: boolean;
  /** The laptop clock (ms since the epoch); tests set it back to see the clock warnings. */
  readonly now?: () => number;
  /** Flash job timing (tests shorten the reconnect and health budgets). */
  readonly flash?: { readonly timing?: Partial<FlashTiming> };
  /**
   * Where the laptop's audit key comes from. Electron passes the key it keeps sealed with the OS
   * keychain (safeStorage); without one the key is kept in a file only this user can read, and
   * the audit status says so.
   */
  readonly auditKeyVault?: AuditKeyVault;
}

export interface Engine {
  readonly handlers: Handlers;
  subscribe(listener: (event: EventName, data: unknown) => void): () => void;
  close(): Promise<void>;
}
