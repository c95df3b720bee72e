/**
 * The state of the link between this page and the engine (pure types, shared with tests).
 */
export type LinkState = 'connecting' | 'open' | 'reconnecting';

export interface LinkStatus {
  readonly state: LinkState;
  /** Consecutive failed attempts; the UI escalates its wording after a few. */
  readonly failures: number;
}
