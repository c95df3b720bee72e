/**
 * Shared by the flash integration tests: real agents on loopback that trust the demo technician
 * and the demo bundle signers, authenticated sessions with them, and the demo bundles.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { startAgent, type AgentFaults, type AgentOptions, type RunningAgent } from '../../agent/agent.js';
import { ensureDemoSigners } from '../../agent/bundle-trust.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { loadDemoSigner, makeDemoBundles, type DemoBundle, type DemoBundleSet } from '../../cli/demo-bundles.js';
import { createBundle, type BundleFile, type Manifest, type PayloadTarget } from '../../core/bundle/index.js';
import type { ArtifactSource } from '../../core/flash/transfer.js';
import type { FlashSession } from '../../core/flash/jobs/flow-types.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { FlashJobDetail } from '../../core/api/schemas.js';
import { openDeviceSession } from '../../core/engine/device-session.js';
import type { Engine } from '../../core/engine/engine.js';
import { authenticate } from '../../core/protocol/client-session.js';
import { openDatabase } from '../../core/store/database.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import { connect, startFlashAgent, type Session } from '../helpers/agent-flash-client.js';
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

/**
 * The demo OS bundle with other payload targets besides its image (by default a bootloader and
 * an aux file), signed with the demo image key: same name, version and hardware as the demo OS.
 */
export async function osBundleWith(
  base: DemoBundle,
  out: string,
  extra: readonly { readonly path: string; readonly target: PayloadTarget; readonly bytes: Uint8Array }[] = [
    { path: 'u-boot.bin', target: 'bootloader', bytes: new Uint8Array(48 * 1024).map((_, i) => (i * 13) & 0xff) },
    { path: 'etc/gateway.conf', target: 'aux', bytes: new TextEncoder().encode('mode=field\n') },
  ],
): Promise<{ readonly file: string; readonly manifest: Manifest }> {
  const staging = `${out}.src`;
  await mkdir(staging, { recursive: true });
  const image = join(staging, 'rootfs.img');
  await writeFile(
    image,
    new Uint8Array(256 * 1024).map((_, i) => (i * 7 + (i >> 10)) & 0xff),
  );
  const files: BundleFile[] = [{ path: 'rootfs.img', source: image, target: 'slot' }];
  for (const [i, e] of extra.entries()) {
    const source = join(staging, `extra-${i}`);
    await writeFile(source, e.bytes);
    files.push({ path: e.path, source, target: e.target });
  }
  const { payloads: _payloads, ...template } = base.manifest;
  const manifest = await createBundle({ manifest: template, files, out, signers: [loadDemoSigner('image-signer-1')] });
  return { file: out, manifest };
}

/**
 * The setup most flash tests share, registered as `before`/`after` hooks of the calling
 * `describe`: a temporary folder with the demo bundles, gateways started in it, and cleanup of
 * everything started through it (`track` takes engines and the like too).
 */
abstract class DemoFolder {
  private root: string | null = null;
  private set: DemoBundleSet | null = null;

  constructor(prefix: string, imageBytes?: number) {
    before(async () => {
      this.root = await mkdtemp(join(tmpdir(), prefix));
      this.set = await demoBundles(this.root, imageBytes);
    });
    after(async () => {
      await this.closeAll();
      if (this.root) await rm(this.root, { recursive: true, force: true });
    });
  }

  /** Closes what the tests started through the fixture (before the folder goes). */
  protected abstract closeAll(): Promise<void>;

  get dir(): string {
    if (this.root === null) throw new Error('the fixture is set up in before(): use it inside tests and hooks');
    return this.root;
  }

  get bundles(): DemoBundleSet {
    if (this.set === null) throw new Error('the fixture is set up in before(): use it inside tests and hooks');
    return this.set;
  }
}

export class GatewayFixture extends DemoFolder {
  /** Engines and the like: closed before the gateways they talk to. */
  private readonly tracked: { close(): Promise<void> }[] = [];
  readonly agents: RunningAgent[] = [];

  protected async closeAll(): Promise<void> {
    for (const t of this.tracked) await t.close().catch(() => undefined);
    await Promise.all(this.agents.map((a) => a.close().catch(() => undefined)));
  }

  track<T extends { close(): Promise<void> }>(thing: T): T {
    this.tracked.push(thing);
    return thing;
  }

  /** For something the test closed itself. */
  forget(thing: { close(): Promise<void> }): void {
    const i = this.tracked.indexOf(thing);
    if (i >= 0) this.tracked.splice(i, 1);
  }

  async gateway(name: string, options: GatewayOptions = {}): Promise<RunningAgent> {
    const agent = await startGateway(this.dir, name, options);
    this.agents.push(agent);
    return agent;
  }
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fieldline` from this checkout; `onLine` sees each stdout line and may kill it (return true: SIGKILL). */
export function fieldline(args: readonly string[], onLine?: (line: string) => boolean): Promise<Run> {
  const root = resolve(import.meta.dirname, '..', '..');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`;
      if (onLine?.(line) && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/**
 * The agent-level flash tests' setup (no engine: the agent judged on its own), registered as
 * hooks of the calling `describe`: a temporary folder with the demo bundles, agents started in
 * it (EdgeBox X2 on 3.1.0, see startFlashAgent) and sessions opened with them, all closed after.
 */
export class AgentFixture extends DemoFolder {
  private readonly agents: RunningAgent[] = [];
  private readonly peers: FgpPeer[] = [];

  protected async closeAll(): Promise<void> {
    for (const p of this.peers) p.close();
    // An agent that "lost power" is already down: closing it again is harmless.
    for (const a of this.agents) await a.close().catch(() => undefined);
  }

  /** An agent on the state directory `name` (relative to the fixture's folder, or absolute). */
  async start(name: string, options: Partial<AgentOptions> = {}): Promise<RunningAgent> {
    const agent = await startFlashAgent(resolve(this.dir, name), options);
    this.agents.push(agent);
    return agent;
  }

  /** An authenticated session with `agent`, closed after the tests. */
  async open(agent: RunningAgent): Promise<Session> {
    const session = await connect(agent);
    this.peers.push(session.peer);
    return session;
  }
}
