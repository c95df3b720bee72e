/**
 * `hello`: version negotiation, the device descriptor, and proof that the device holds its key.
 */
import { FgpError } from '../../core/protocol/errors.js';
import { helloParams, helloProofMessage, negotiateVersion, SUPPORTED_VERSIONS } from '../../core/protocol/handshake.js';
import { signBytes } from '../../core/protocol/identity.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import { buildDescriptor } from '../descriptor.js';
import { defineMethod } from '../method.js';
import type { Session } from '../session.js';

function versions(list: readonly number[]): string {
  return list.length === 1 ? `version ${list[0]}` : `versions ${list.join(', ')}`;
}

/**
 * Applies the agreed frame limit without breaking the reply in flight.
 *
 * A larger limit is applied at once, so a client that sends a big frame right after reading the
 * answer is not cut off. A smaller one waits until the answer has been written (setImmediate
 * runs after the peer's reply, which follows the handler's promise), because the answer itself
 * may be larger than the new limit.
 */
function applyMaxFrame(peer: FgpPeer, session: Session, maxFrame: number): void {
  const raising = maxFrame >= session.maxFrame;
  session.maxFrame = maxFrame;
  if (raising) {
    peer.setMaxFrame(maxFrame);
    return;
  }
  setImmediate(() => {
    if (!peer.isClosed && session.maxFrame === maxFrame) peer.setMaxFrame(maxFrame);
  });
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
  // A new hello starts a new session: on a serial line it is usually a new person.
  session.reset();
  session.phase = 'hello';
  session.version = version;
  const maxFrame = Math.min(params.maxFrame, transport.maxFrame);
  const descriptor = buildDescriptor(agent.identity, agent.device(), version, maxFrame, methods);
  const proof = signBytes(agent.identity, helloProofMessage(params.nonce, peer.channelBinding));
  applyMaxFrame(peer, session, maxFrame);
  agent.log.info(`${transport.remote}: hello from ${params.client ?? 'a client'} (FGP ${version}, frames up to ${maxFrame} bytes)`);
  return { ...descriptor, proof };
});
