/**
 * `auth.challenge` / `auth.respond`: Ed25519 challenge–response with a trusted technician key.
 */
import { randomBytes } from 'node:crypto';
import { FgpError } from '../../core/protocol/errors.js';
import { authChallengeParams, authMessage, authRespondParams, NONCE_BYTES } from '../../core/protocol/handshake.js';
import { fingerprint, toHex, verifyBytes } from '../../core/protocol/identity.js';
import { defineMethod } from '../method.js';

function short(hex: string): string {
  return `${hex.slice(0, 12)}…`;
}

export const authChallenge = defineMethod('hello', authChallengeParams, async ({ params, session, agent, transport }) => {
  const publicKey = toHex(params.publicKey);
  const trust = await agent.trustedTechnicians();
  if (trust.problem) agent.log.warn(`${trust.problem.message} — using the last readable list. ${trust.problem.fix}`);
  const technician = trust.technicians.find((t) => t.publicKey === publicKey);
  if (!technician) {
    session.challenge = null;
    agent.log.warn(`${transport.remote}: refused untrusted technician key ${short(fingerprint(params.publicKey))}`);
    throw new FgpError(
      'untrusted_key',
      `gateway "${agent.device().name}" does not trust technician key ${short(fingerprint(params.publicKey))}. ` +
        `To enrol it, run on the gateway: fieldline agent --trust ${publicKey} --name "<technician name>" ` +
        `(or add {"publicKey": "${publicKey}", "name": "<technician name>", "role": "technician"} to trusted-technicians.json in the agent's state directory)`,
      { publicKey, keyId: fingerprint(params.publicKey) },
    );
  }
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  session.challenge = { nonce, publicKey: params.publicKey, technician };
  return { nonce };
});

export const authRespond = defineMethod('hello', authRespondParams, ({ params, peer, session, agent, transport }) => {
  const challenge = session.challenge;
  // One answer per nonce, right or wrong: a failed guess must fetch a new challenge.
  session.challenge = null;
  if (!challenge)
    throw new FgpError('auth_failed', 'no challenge is pending: call auth.challenge first (each challenge accepts one auth.respond)');
  const signed = authMessage(agent.identity.id, challenge.nonce, peer.channelBinding);
  if (!verifyBytes(challenge.publicKey, signed, params.signature)) {
    agent.log.warn(`${transport.remote}: bad auth signature for technician "${challenge.technician.name}"`);
    throw new FgpError(
      'auth_failed',
      `the signature does not verify with technician key ${short(fingerprint(challenge.publicKey))}: it must sign "FGP1-auth\\0" ‖ device id ‖ this challenge's nonce ‖ the session binding`,
    );
  }
  session.phase = 'authenticated';
  session.technician = challenge.technician;
  agent.log.info(`${transport.remote}: technician "${challenge.technician.name}" (${challenge.technician.role}) authenticated`);
  return { technician: challenge.technician.name, role: challenge.technician.role };
});
