/**
 * A plain FGP client for the agent flash tests: connect over TLS, hello, authenticate as the
 * demo technician, and push an artifact in windows of chunks (no core/flash: the tests judge
 * the agent on its own).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startAgent, type AgentOptions, type RunningAgent } from '../../agent/agent.js';
import { ensureDemoSigners } from '../../agent/bundle-trust.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { authenticate, hello } from '../../core/protocol/client-session.js';
import { FgpError } from '../../core/protocol/errors.js';
import type { HelloResult } from '../../core/protocol/handshake.js';
import { FgpPeer } from '../../core/protocol/peer.js';
import { openTcp } from '../../core/transport/tcp.js';

const technician = loadDemoTechnician();

/** An emulated EdgeBox X2 (firmware 3.1.0 in slot a) that trusts the demo signers and technician. */
export async function startFlashAgent(stateDir: string, options: Partial<AgentOptions> = {}): Promise<RunningAgent> {
  await ensureDemoSigners(stateDir);
  return startAgent({
    stateDir,
    device: emulatedDevice(1, 3),
    trust: [technician.trustEntry],
    tcp: { host: '127.0.0.1', port: 0 },
    mdns: false,
    udp: false,
    rebootMs: 100,
    ...options,
  });
}

export interface Session {
  readonly peer: FgpPeer;
  readonly descriptor: HelloResult;
}

export async function connect(agent: RunningAgent, port = agent.tcpPort!): Promise<Session> {
  const opened = await openTcp({ host: '127.0.0.1', port, tls: true });
  const peer = new FgpPeer(opened.stream, { channelBinding: opened.binding, requestTimeoutMs: 30_000 });
  const descriptor = await hello(peer, { transportKey: opened.transportKey });
  await authenticate(peer, descriptor.id, technician.identity);
  return { peer, descriptor };
}

export interface Artifact {
  readonly bytes: Uint8Array;
  readonly sha256: Uint8Array;
  readonly size: number;
}

export async function loadArtifact(file: string): Promise<Artifact> {
  const buf = await readFile(file);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return { bytes, sha256: new Uint8Array(createHash('sha256').update(bytes).digest()), size: bytes.length };
}

export function slice(a: Artifact, offset: number, length: number): Uint8Array {
  // A plain Uint8Array view: cbor2 would encode a Buffer through its toJSON.
  return new Uint8Array(a.bytes.buffer, a.bytes.byteOffset + offset, Math.min(length, a.size - offset));
}

export interface BeginResult {
  readonly held: number;
  readonly maxChunk: number;
  readonly window: number;
}

export async function begin(peer: FgpPeer, a: Artifact, name = 'test.flb'): Promise<BeginResult> {
  return (await peer.request('artifact.begin', { sha256: a.sha256, size: a.size, name })) as BeginResult;
}

/** Sends from the gateway's resume point in windows of chunks, rewinding on out_of_order. Returns bytes sent. */
export async function send(peer: FgpPeer, a: Artifact): Promise<{ started: number; sent: number }> {
  const b = await begin(peer, a);
  let offset = b.held;
  let sent = 0;
  while (offset < a.size) {
    const batch: Promise<unknown>[] = [];
    const from = offset;
    for (let i = 0; i < b.window && offset < a.size; i++) {
      const data = slice(a, offset, b.maxChunk);
      batch.push(peer.request('artifact.chunk', { sha256: a.sha256, offset, data }));
      offset += data.length;
      sent += data.length;
    }
    const results = await Promise.allSettled(batch);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const err = failed.reason as FgpError;
      if (err.code !== 'out_of_order') throw err;
      offset = (err.data as { held: number }).held;
      if (offset < from) throw new Error(`the gateway went back from ${from} to ${offset}`);
    }
  }
  return { started: b.held, sent };
}

export async function upload(peer: FgpPeer, a: Artifact): Promise<Record<string, unknown>> {
  await send(peer, a);
  return (await peer.request('artifact.commit', { sha256: a.sha256 }, 60_000)) as Record<string, unknown>;
}

export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<FgpError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof FgpError)) throw err;
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error(`expected the call to fail with ${code}`);
}

export function stateIn(dir: string, name: string): string {
  return path.join(dir, name);
}
