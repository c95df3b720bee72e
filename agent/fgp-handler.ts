/**
 * The agent's FGP request handler: the method table and the checks every request passes.
 *
 * Order matters and is part of the protocol: unknown method → session phase → params. A client
 * that has not authenticated learns which methods exist (the spec is public) but never how its
 * params would have been judged.
 */
import { performance } from 'node:perf_hooks';
import { FgpError } from '../core/protocol/errors.js';
import type { RequestHandler } from '../core/protocol/peer.js';
import type { AgentContext, TransportInfo } from './agent-context.js';
import type { MethodDef, Requirement } from './method.js';
import { artifactBegin, artifactChunk, artifactCommit, artifactStatus } from './methods/artifact.js';
import { auditWitness } from './methods/audit-witness.js';
import { authChallenge, authRespond } from './methods/auth.js';
import { benchCancel, benchRun, benchSamples } from './methods/bench.js';
import { activate, confirm, reboot, rollback } from './methods/boot.js';
import { hello } from './methods/hello.js';
import { infer } from './methods/infer.js';
import { install } from './methods/install.js';
import { configGet, status } from './methods/status.js';
import { sessionOf, type Session } from './session.js';
import { toWireValue } from './wire-value.js';

export const METHODS: Readonly<Record<string, MethodDef>> = {
  hello,
  'auth.challenge': authChallenge,
  'auth.respond': authRespond,
  status,
  'config.get': configGet,
  'artifact.begin': artifactBegin,
  'artifact.chunk': artifactChunk,
  'artifact.status': artifactStatus,
  'artifact.commit': artifactCommit,
  install,
  activate,
  confirm,
  rollback,
  reboot,
  'bench.run': benchRun,
  'bench.samples': benchSamples,
  'bench.cancel': benchCancel,
  infer,
  'audit.witness': auditWitness,
};

export const METHOD_NAMES: readonly string[] = Object.keys(METHODS);

function checkPhase(requires: Requirement, method: string, session: Session): void {
  if (requires === 'nothing') return;
  if (session.phase === 'new') {
    throw new FgpError('hello_required', `${method} needs a session: send hello first`);
  }
  if (requires === 'auth' && session.phase !== 'authenticated') {
    throw new FgpError('unauthenticated', `${method} needs an authenticated technician: complete auth.challenge and auth.respond first`);
  }
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'params'}: ${i.message}`).join('; ');
}

export function createFgpHandler(agent: AgentContext, transport: TransportInfo): RequestHandler {
  return async (request, peer) => {
    const now = performance.now();
    const session = sessionOf(peer, transport.initialMaxFrame, now);
    if (transport.idleResetMs !== undefined && session.phase !== 'new' && now - session.lastActivity > transport.idleResetMs) {
      agent.log.info(`${transport.remote}: session idle too long, technician signed out`);
      session.reset();
    }
    session.lastActivity = now;

    const def = Object.hasOwn(METHODS, request.method) ? METHODS[request.method] : undefined;
    if (!def) {
      throw new FgpError('unknown_method', `unknown method "${request.method}": this gateway serves ${METHOD_NAMES.join(', ')}`, {
        method: request.method,
        supported: [...METHOD_NAMES],
      });
    }
    checkPhase(def.requires, request.method, session);
    const parsed = def.params.safeParse(request.params);
    if (!parsed.success) {
      throw new FgpError('invalid_params', `invalid params for ${request.method}: ${describeIssues(parsed.error.issues)}`);
    }
    const result = await def.run({ params: parsed.data, peer, session, agent, transport, methods: METHOD_NAMES });
    return toWireValue(result);
  };
}
