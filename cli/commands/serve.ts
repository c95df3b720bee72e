/**
 * `fieldline serve` (with optional demo gateways) and `fieldline demo`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { startEmulation, type Emulation } from '../../agent/emulate.js';
import { TrustStore } from '../../core/bundle/index.js';
import { BundleLibrary } from '../../core/engine/bundle-library.js';
import { createEngine } from '../../core/engine/engine.js';
import { packageRoot } from '../../core/package-info.js';
import { openDatabase } from '../../core/store/database.js';
import { ProfileStore } from '../../core/store/profile-store.js';
import { TrustedTimeStore } from '../../core/store/trusted-time.js';
import { runServeCommand } from '../serve/serve-command.js';
import { serveUsage as webServeUsage } from '../serve/serve-args.js';
import { findElectronBinary } from '../electron-binary.js';
import { makeDemoBundles } from '../demo-bundles.js';
import { CliError } from '../output.js';

export const serveUsage = `${webServeUsage}
  --demo-agents N   also start N emulated gateways on loopback (one behind a serial pty when socat
                    is installed) and use the demo technician profile`;

export const demoUsage = `fieldline demo [--web]
  Starts three emulated gateways (two on the LAN side, one behind a pseudo-terminal serial port)
  and opens the app on them: the Electron window where Electron can start, otherwise the web host.`;

const DEMO_DIR = resolve('.fieldline-demo');

function hasSocat(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Makes the demo technician the profile in `dataDir`, so the demo gateways trust the app. */
function useDemoProfile(dataDir: string): void {
  const db = openDatabase(dataDir);
  try {
    const profiles = new ProfileStore(db, dataDir);
    const demo = loadDemoTechnician();
    if (profiles.get()?.keyId !== demo.keyId) profiles.create(demo.name, demo.organisation, demo.identity);
  } finally {
    db.close();
  }
}

/** Makes (once) and imports the demo OS image and model bundles, so the library is not empty. */
async function useDemoBundles(dataDir: string): Promise<void> {
  const dir = join(dataDir, 'demo-bundles');
  // The wrong-weights classifier (same name and version as the real one, its file name ends in
  // -wrong.flb) is imported too, so diagnosing against it shows a diagnosed failure in the UI. It
  // is imported first: the library lists the newest import first, so the real classifier leads.
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.flb'))) await makeDemoBundles(dir);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.flb'))
    .sort((a, b) => Number(b.endsWith('-wrong.flb')) - Number(a.endsWith('-wrong.flb')) || a.localeCompare(b))
    .map((f) => join(dir, f));
  const db = openDatabase(dataDir);
  try {
    const trust = new TrustStore(db);
    // The demo bundles' signed creation times become the first trusted time, as for any import.
    const library = new BundleLibrary({ dataDir, db, policy: () => trust.policy(), trustedTime: new TrustedTimeStore(db) });
    for (const file of files) {
      const summary = await library.import(file);
      process.stdout.write(`demo bundle ${summary.name ?? summary.fileName} ${summary.version ?? ''}: ${summary.status}\n`);
    }
  } finally {
    db.close();
  }
}

interface DemoSetup {
  readonly emulation: Emulation;
  readonly dataDir: string;
  readonly serialPorts: string[];
}

async function startDemoGateways(count: number, dataDir: string): Promise<DemoSetup> {
  const socat = hasSocat();
  const serialGateways = socat && count >= 3 ? 1 : 0;
  if (!socat) process.stderr.write('note: socat is not installed, so the demo has no serial gateway (apt-get install socat).\n');
  const emulation = await startEmulation({
    count,
    serialGateways,
    baseDir: join(dataDir, 'demo-gateways'),
    host: '127.0.0.1',
    interfaces: ['127.0.0.1'],
  });
  useDemoProfile(dataDir);
  await useDemoBundles(dataDir);
  const serialPorts = emulation.gateways.flatMap((g) => (g.serial ? [g.serial.clientPath] : []));
  for (const g of emulation.gateways) {
    const via = g.serial ? `serial ${g.serial.clientPath}` : `127.0.0.1:${g.agent.tcpPort} (TLS)`;
    process.stdout.write(`demo gateway ${g.agent.name} ${g.agent.id.slice(0, 12)} on ${via}\n`);
  }
  return { emulation, dataDir, serialPorts };
}

function takeFlag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i === -1) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new CliError(`${name} needs a value`);
  argv.splice(i, 2);
  return value;
}

export async function runServe(argv: string[]): Promise<number> {
  const args = [...argv];
  const demoAgents = takeFlag(args, '--demo-agents');
  if (demoAgents === undefined) return runServeCommand(args, createEngine);
  const count = Number(demoAgents);
  if (!Number.isInteger(count) || count < 1 || count > 200)
    throw new CliError(`--demo-agents must be a whole number from 1 to 200, got "${demoAgents}"`);
  const dataDir = takeFlag(args, '--data-dir') ?? join(DEMO_DIR, 'app');
  const demo = await startDemoGateways(count, dataDir);
  try {
    const serial = takeFlag(args, '--serial');
    const serialPorts = [...(serial ? serial.split(',') : []), ...demo.serialPorts];
    const interfaces = takeFlag(args, '--interfaces') ?? 'lo';
    const extra = serialPorts.length ? ['--serial', serialPorts.join(',')] : [];
    return await runServeCommand([...args, '--data-dir', dataDir, '--interfaces', interfaces, ...extra], createEngine);
  } finally {
    await demo.emulation.close();
  }
}

export async function runDemo(argv: string[]): Promise<number> {
  const forceWeb = argv.includes('--web');
  const unknown = argv.filter((a) => a !== '--web');
  if (unknown.length) throw new CliError(`unknown demo option "${unknown[0]}"\n${demoUsage}`);
  const electron = forceWeb ? { ok: false as const, reason: '--web was given' } : findElectronBinary(packageRoot() ?? process.cwd());
  if (electron.ok) {
    const dataDir = join(DEMO_DIR, 'app');
    const demo = await startDemoGateways(3, dataDir);
    try {
      const switches = [
        `--data-dir=${dataDir}`,
        '--interfaces=lo',
        ...(demo.serialPorts.length ? [`--serial-ports=${demo.serialPorts.join(',')}`] : []),
      ];
      const child = spawn(electron.binary, [packageRoot() ?? process.cwd(), ...switches], { stdio: 'inherit' });
      return await new Promise<number>((done) => child.on('exit', (code) => done(code ?? 0)));
    } finally {
      await demo.emulation.close();
    }
  }
  process.stdout.write(`Electron cannot start here: ${electron.reason}. Serving the same app in your browser instead.\n`);
  return runServe(['--demo-agents', '3', '--port', '0']);
}
