/**
 * Shared by the flash integration tests: real agents on loopback that trust the demo technician
 * and the demo bundle signers, authenticated sessions with them, and the demo bundles.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, type AgentFaults, type RunningAgent } from '../../agent/agent.js';
import { ensureDemoSigners } from '../../agent/bundle-trust.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { makeDemoBundles, type DemoBundleSet } from '../../cli/demo-bundles.js';
import type { ArtifactSource } from '../../core/flash/transfer.js';
import type { FlashSession } from '../../core/flash/jobs/flow-types.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { FlashJobDetail } from '../../core/api/schemas.js';
import { openDeviceSession } from '../../core/engine/device-session.js';
import type { Engine } from '../../core/engine/engine.js';
import { authenticate } from '../../core/protocol/client-session.js';
import { openDatabase } from '../../core/store/database.js';
import { ProfileStore } from '../../core/store/profile-store.js';

export const demoTechnician = loadDemoTechnician();

export interface GatewayOptions {
  readonly faults?: AgentFaults;
  readonly model?: string;
  readonly hardwareRevision?: string;
  readonly rebootMs?: number;
  readonly trialMs?: number;
  readonly port?: number;
}

export async function startGateway(dir: string, name: string, options: GatewayOptions = {}): Promise<RunningAgent> {
  const stateDir = join(dir, name);
  await ensureDemoSigners(stateDir);
  return startAgent({
    stateDir,
    device: {
      name,
      serial: `SN-${name}`,
      vendor: 'Acme Edge Systems',
      model: options.model ?? 'EdgeBox X1',
      hardwareRevision: options.hardwareRevision ?? 'rev-b',
      // Older than the demo bundles (1.0.0), so flashing them is an upgrade.
      activeSlot: 'a',
      slots: [
        { name: 'a', version: '0.9.0', state: 'active' },
        { name: 'b', version: '', state: 'empty' },
      ],
    },
    trust: [demoTechnician.trustEntry],
    tcp: { host: '127.0.0.1', port: options.port ?? 0 },
    mdns: false,
    udp: false,
    rebootMs: options.rebootMs ?? 200,
    ...(options.trialMs === undefined ? {} : { trialMs: options.trialMs }),
    ...(options.faults ? { faults: options.faults } : {}),
  });
}

/** A data folder whose technician profile is the demo technician (trusted by every test gateway). */
export function seedProfile(dataDir: string): void {
  const db = openDatabase(dataDir);
  try {
    new ProfileStore(db, dataDir).create(demoTechnician.name, demoTechnician.organisation, demoTechnician.identity);
  } finally {
    db.close();
  }
}

export function addressOf(agent: RunningAgent): string {
  return `127.0.0.1:${agent.tcpPort}`;
}

/** A verified, authenticated session, as the flash job runner opens them. */
export async function openAuthenticated(agent: RunningAgent, port = agent.tcpPort!): Promise<FlashSession> {
  const session = await openDeviceSession({ transport: 'tcp', host: '127.0.0.1', port, tls: true, via: 'manual' }, { expectId: agent.id });
  try {
    await authenticate(session.peer, agent.id, demoTechnician.identity);
  } catch (err) {
    await session.close();
    throw err;
  }
  return { peer: session.peer, descriptor: session.descriptor, close: () => session.close() };
}

export async function artifactOf(file: string): Promise<ArtifactSource> {
  const bytes = await readFile(file);
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), size: (await stat(file)).size };
}

export async function demoBundles(dir: string, imageBytes?: number): Promise<DemoBundleSet> {
  return makeDemoBundles(join(dir, 'bundles'), imageBytes === undefined ? {} : { imageBytes });
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Calls the engine through the same validated dispatch the UI hosts use; a failure throws with its code. */
export async function ok<T>(engine: Engine, method: string, params: unknown = {}): Promise<T> {
  const result = await dispatch(engine.handlers, method, params);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/** Waits for a flash job to leave the running state. */
export async function finished(engine: Engine, jobId: string): Promise<FlashJobDetail> {
  for (let i = 0; i < 1200; i++) {
    const job = await ok<FlashJobDetail>(engine, 'flash.get', { jobId });
    if (job.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the job did not finish');
}
