/**
 * Per-connection session state, kept in `FgpPeer.state`.
 */
import type { FgpPeer } from '../core/protocol/peer.js';
import type { TrustedTechnician } from './state-schema.js';

export type SessionPhase = 'new' | 'hello' | 'authenticated';

export interface PendingChallenge {
  readonly nonce: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly technician: TrustedTechnician;
}

export class Session {
  phase: SessionPhase = 'new';
  version = 0;
  /** The frame limit currently applied to the peer (or about to be, after a reply). */
  maxFrame: number;
  /** At most one outstanding challenge; auth.respond consumes it, right or wrong. */
  challenge: PendingChallenge | null = null;
  technician: TrustedTechnician | null = null;
  lastActivity: number;

  constructor(initialMaxFrame: number, now: number) {
    this.maxFrame = initialMaxFrame;
    this.lastActivity = now;
  }

  /** Back to a fresh session: a new `hello`, or a serial line left idle. */
  reset(): void {
    this.phase = 'new';
    this.version = 0;
    this.challenge = null;
    this.technician = null;
  }
}

const SESSION_KEY = 'fieldline.agent.session';

export function sessionOf(peer: FgpPeer, initialMaxFrame: number, now: number): Session {
  const existing = peer.state.get(SESSION_KEY);
  if (existing instanceof Session) return existing;
  const session = new Session(initialMaxFrame, now);
  peer.state.set(SESSION_KEY, session);
  return session;
}
