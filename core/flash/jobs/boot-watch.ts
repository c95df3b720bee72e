/**
 * Reading a gateway's A/B state around a reboot: which slot is on trial, when the link went down,
 * and the error that says the gateway went back to its previous slot by itself.
 */
import type { DeviceDescriptor } from '../../api/schemas.js';
import { FlashError } from '../flash-error.js';
import type { FlashSession } from './flow-types.js';

export type Slot = 'a' | 'b';

export const other = (slot: Slot): Slot => (slot === 'a' ? 'b' : 'a');
export const trialSlotOf = (d: DeviceDescriptor): Slot | null => d.slots.find((s) => s.state === 'trial')?.name ?? null;

/** Resolves once the peer's link is closed (the gateway went down to reboot) or after `ms`. */
export function closed(session: FlashSession, ms: number): Promise<void> {
  if (session.peer.isClosed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      session.peer.off('close', done);
      resolve();
    }
    session.peer.once('close', done);
  });
}

/** The gateway left its trial (or never switched) by itself: the job says so as its rollback outcome. */
export function gatewayRolledBack(message: string): FlashError {
  return new FlashError('health_failed', message, { data: { rollback: 'rolled-back-by-gateway' } });
}
