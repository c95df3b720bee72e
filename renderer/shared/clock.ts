/**
 * One shared ticking clock, so every "last seen" in view updates together once a second.
 */
import { create } from 'zustand';

const TICK_MS = 1000;

export const useClockStore = create<{ readonly now: number }>()(() => ({ now: Date.now() }));

export function startClock(): () => void {
  const timer = setInterval(() => useClockStore.setState({ now: Date.now() }), TICK_MS);
  return () => clearInterval(timer);
}

export function useNow(): number {
  return useClockStore((s) => s.now);
}
