/**
 * How an FGP method is declared: what the session must have done first, its params schema and
 * the code that answers it. The dispatcher (fgp-handler.ts) does the checks in that order, so a
 * method body only ever sees a session in the right phase and params of the right shape.
 */
import type { z } from 'zod';
import type { FgpPeer } from '../core/protocol/peer.js';
import type { AgentContext, TransportInfo } from './agent-context.js';
import type { Session } from './session.js';

/** What the session must have done before the method may run. */
export type Requirement = 'nothing' | 'hello' | 'auth';

export interface CallContext {
  readonly peer: FgpPeer;
  readonly session: Session;
  readonly agent: AgentContext;
  readonly transport: TransportInfo;
  /** Every method this agent serves, for `hello`'s capability list. */
  readonly methods: readonly string[];
}

export interface MethodCall<P> extends CallContext {
  readonly params: P;
}

export interface MethodDef<S extends z.ZodType = z.ZodType> {
  readonly requires: Requirement;
  readonly params: S;
  run(call: MethodCall<z.infer<S>>): unknown;
}

export function defineMethod<S extends z.ZodType>(
  requires: Requirement,
  params: S,
  run: (call: MethodCall<z.infer<S>>) => unknown,
): MethodDef<S> {
  return { requires, params, run };
}
