/**
 * `hello`: version negotiation, the device descriptor, and proof that the device holds its key.
 */
import { FgpError } from '../../core/protocol/errors.js';
import { helloParams, helloProofMessage, negotiateVersion, SUPPORTED_VERSIONS } from '../../core/protocol/handshake.js';
import { signBytes } from '../../core/protocol/identity.js';
import { encodeMessage, MAX_REQUEST_ID } from '../../core/protocol/messages.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import { buildDescriptor } from '../descriptor.js';
import { defineMethod } from '../method.js';
import type { Session } from '../session.js';
import { toWireValue } from '../wire-value.js';

function versions(list: readonly number[]): string {
  return list.length === 1 ? `version ${list[0]}` : `versions ${list.join(', ')}`;
}

/**
 * Applies the agreed frame limit so the answer in flight fits every reading of the rules.
 *
 * protocol.md §3.4 says the client reads the hello answer under the limit in force before it
 * (16 KiB on a new connection); core's client-session.ts reads it under the size it offered.
 * An answer within the smaller of the two satisfies both, hence: a smaller limit applies at once
 * (so the peer refuses an answer too large for it), a larger one only after the answer is written
 * (setImmediate runs after the peer's reply, which follows the handler's promise, and before any
 * frame the client sends after reading the answer can arrive).
 */
function applyMaxFrame(peer: FgpPeer, session: Session, maxFrame: number): void {
  const lowering = maxFrame < session.maxFrame;
  session.maxFrame = maxFrame;
  if (lowering) {
    peer.setMaxFrame(maxFrame);
    return;
  }
  setImmediate(() => {
    if (!peer.isClosed && session.maxFrame === maxFrame) peer.setMaxFrame(maxFrame);
  });
}

/** Bytes of the response envelope around `result`, at the largest request id. */
function answerSize(result: unknown): number {
  return encodeMessage({ kind: 'response', id: MAX_REQUEST_ID, result: toWireValue(result) }).length;
}

export const hello = defineMethod('nothing', helloParams, ({ params, peer, session, agent, transport, methods }) => {
  const version = negotiateVersion(params.versions);
  if (version === null) {
    throw new FgpError(
      'unsupported_version',
      `the client offers FGP ${versions(params.versions)}, but this gateway supports ${versions(SUPPORTED_VERSIONS)}: update whichever of Fieldline and the gateway agent is older`,
      { supported: [...SUPPORTED_VERSIONS], offered: params.versions },
    );
  }
  const maxFrame = Math.min(params.maxFrame, transport.maxFrame);
  const descriptor = buildDescriptor(agent.identity, agent.device(), version, maxFrame, methods, agent.bundleGuard?.snapshot() ?? null);
  const proof = signBytes(agent.identity, helloProofMessage(params.nonce, peer.channelBinding));
  const answer = { ...descriptor, proof };
  const room = Math.min(maxFrame, session.maxFrame);
  const size = answerSize(answer);
  if (size > room) {
    throw new FgpError(
      'frame_too_large',
      `this gateway's descriptor is ${size} bytes, more than the ${room}-byte frame limit for the hello answer; offer a maxFrame of at least ${size}`,
      { size, limit: room },
    );
  }
  // A new hello starts a new session: on a serial line it is usually a new person.
  session.reset();
  session.phase = 'hello';
  session.version = version;
  applyMaxFrame(peer, session, maxFrame);
  agent.log.info(`${transport.remote}: hello from ${params.client ?? 'a client'} (FGP ${version}, frames up to ${maxFrame} bytes)`);
  return answer;
});
