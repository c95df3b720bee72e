/**
 * The app's side of a session: `hello` with proof of the device key, then technician auth.
 */
import { randomBytes } from 'node:crypto';
import { FgpError } from './errors.js';
import { DEFAULT_MAX_FRAME, MAX_FRAME_LIMIT } from './frame.js';
import {
  authChallengeResult,
  authMessage,
  authRespondResult,
  helloProofMessage,
  helloResult,
  NONCE_BYTES,
  SUPPORTED_VERSIONS,
  type HelloResult,
} from './handshake.js';
import { fingerprint, signBytes, verifyBytes, type Ed25519Identity } from './identity.js';
import type { FgpPeer } from './peer.js';

export interface HelloOptions {
  /** Frame payload size this end can take; the session uses the smaller of both ends'. */
  readonly maxFrame?: number;
  /** Key the transport itself authenticated (the TLS certificate's), which must match. */
  readonly transportKey?: Uint8Array;
  readonly client?: string;
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'result'}: ${i.message}`).join('; ');
}

export async function hello(peer: FgpPeer, options: HelloOptions = {}): Promise<HelloResult> {
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const maxFrame = options.maxFrame ?? MAX_FRAME_LIMIT;
  // The answer may be larger than the pre-hello limit when this end offered more (a descriptor
  // listing many models), but never needs less than that limit.
  peer.setMaxFrame(Math.max(maxFrame, DEFAULT_MAX_FRAME));
  const raw = await peer.request('hello', { versions: [...SUPPORTED_VERSIONS], nonce, maxFrame, client: options.client ?? 'fieldline' });
  const parsed = helloResult.safeParse(raw);
  if (!parsed.success) throw new FgpError('bad_response', `the device's hello answer is malformed: ${describeIssues(parsed.error.issues)}`);
  const descriptor = parsed.data;
  if (fingerprint(descriptor.publicKey) !== descriptor.id) {
    throw new FgpError(
      'identity_mismatch',
      `the device claims id ${descriptor.id.slice(0, 12)}… but its key fingerprints to ${fingerprint(descriptor.publicKey).slice(0, 12)}…`,
    );
  }
  if (!verifyBytes(descriptor.publicKey, helloProofMessage(nonce, peer.channelBinding), descriptor.proof)) {
    throw new FgpError(
      'identity_mismatch',
      `device ${descriptor.id.slice(0, 12)}… could not prove it holds its key: the hello signature is invalid`,
    );
  }
  if (options.transportKey && fingerprint(options.transportKey) !== descriptor.id) {
    throw new FgpError(
      'identity_mismatch',
      `the TLS certificate key (${fingerprint(options.transportKey).slice(0, 12)}…) is not the device key (${descriptor.id.slice(0, 12)}…)`,
    );
  }
  peer.setMaxFrame(Math.min(maxFrame, descriptor.maxFrame));
  return descriptor;
}

export interface AuthOutcome {
  readonly technician: string;
  readonly role: string;
}

export async function authenticate(peer: FgpPeer, deviceId: string, technician: Ed25519Identity): Promise<AuthOutcome> {
  const challenge = authChallengeResult.safeParse(await peer.request('auth.challenge', { publicKey: technician.publicKey }));
  if (!challenge.success)
    throw new FgpError('bad_response', `auth.challenge answer is malformed: ${describeIssues(challenge.error.issues)}`);
  const signature = signBytes(technician, authMessage(deviceId, challenge.data.nonce, peer.channelBinding));
  const result = authRespondResult.safeParse(await peer.request('auth.respond', { signature }));
  if (!result.success) throw new FgpError('bad_response', `auth.respond answer is malformed: ${describeIssues(result.error.issues)}`);
  return result.data;
}
