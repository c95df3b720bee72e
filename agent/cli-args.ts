/**
 * `fieldline agent` arguments: parsed strictly, every mistake explained.
 */
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { UDP_PROBE_PORT } from '../core/protocol/announce.js';
import { DEFAULT_FGP_PORT } from '../core/transport/tcp.js';
import type { AgentFaults, PowerPhase } from './faults/faults.js';
import type { TrustedTechnician } from './state-schema.js';

export const agentUsage = `fieldline agent [options]           run the reference gateway agent until Ctrl+C / SIGTERM

  --state DIR            state directory: identity key, device.json, trusted-technicians.json
                         (default: $STATE_DIRECTORY from systemd, else ~/.local/state/fieldline-agent;
                         with --emulate: a new temporary directory, removed on exit)
  --host H               address to listen on (default 0.0.0.0; with --emulate 127.0.0.1)
  --port N               FGP TCP port (default ${DEFAULT_FGP_PORT}; 0 = any free port;
                         with --emulate: first port of a range, default any free port)
  --plain                plain TCP instead of TLS 1.3 (debugging only)
  --serial PATH          also serve FGP on this serial device (e.g. /dev/ttyGS0)
  --baud N               serial baud rate (default 115200)
  --functionfs DIR       serve FGP on a USB FunctionFS vendor bulk interface mounted at DIR
                         (e.g. /dev/ffs-fgp; not with --serial or --emulate)
  --interfaces A,B       announce (mDNS) and answer probes (UDP) only on these IPv4 interface
                         addresses (default: every interface; with --emulate 127.0.0.1)
  --udp-port N           UDP discovery probe port (default ${UDP_PROBE_PORT})
  --no-mdns, --no-udp    do not announce over mDNS / answer UDP probes
  --trust HEX --name N   trust this technician public key (64 hex digits) under this name
  --role ROLE            role for --trust (default technician)
  --emulate N            run N emulated gateways with distinct identities (trust the demo technician)
  --serial-gateways K    with --emulate: put the last K behind a socat pty pair
  --reboot-ms N           how long an emulated reboot keeps the gateway away (default 1500)
  --trial-ms N            how long a trial boot waits for confirm before rolling back (default 120000)

  Fault injection (tests and demos; every flag applies to every gateway started):
  --cut-after-bytes N    drop the connection after N bytes received (once; --cut-every: every connection)
  --corrupt-chunk-at N   flip the artifact byte at offset N after the frame CRC (once)
  --stall-after-bytes N  stop reading after N bytes received on a connection (once)
  --throttle-baud N      pace the agent's link to N baud (10 bits per byte)
  --latency-ms N         delay every answer by N ms
  --fail-verify          refuse every bundle at artifact.commit
  --fail-health          fail the health check of every trial boot (rolls back)
  --power-loss-at P:N    lose power before write step N of phase P (install, activate, confirm)
  --json                 print what was started as JSON
  --verbose              log every session (always on without --emulate)
  -h, --help             this help`;

export class AgentUsageError extends Error {
  readonly code = 'usage';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly fix = 'Run `fieldline agent --help` for the options.',
  ) {
    super(message);
    this.name = 'AgentUsageError';
  }
}

export interface AgentArgs {
  readonly help: boolean;
  readonly stateDir?: string;
  readonly host?: string;
  readonly port?: number;
  readonly tls: boolean;
  readonly serialPath?: string;
  readonly baudRate: number;
  /** A FunctionFS mount (e.g. /dev/ffs-fgp) to serve FGP on over USB bulk. */
  readonly functionFs?: string;
  readonly interfaces?: readonly string[];
  readonly udpPort: number;
  readonly mdns: boolean;
  readonly udp: boolean;
  readonly trust?: TrustedTechnician;
  readonly emulate?: number;
  readonly serialGateways: number;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly faults?: AgentFaults;
  readonly rebootMs?: number;
  readonly trialMs?: number;
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new AgentUsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

export function parseAgentArgs(argv: readonly string[]): AgentArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        state: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        plain: { type: 'boolean', default: false },
        serial: { type: 'string' },
        functionfs: { type: 'string' },
        baud: { type: 'string' },
        interfaces: { type: 'string', multiple: true },
        'udp-port': { type: 'string' },
        'no-mdns': { type: 'boolean', default: false },
        'no-udp': { type: 'boolean', default: false },
        trust: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        emulate: { type: 'string' },
        'serial-gateways': { type: 'string' },
        json: { type: 'boolean', default: false },
        'reboot-ms': { type: 'string' },
        'trial-ms': { type: 'string' },
        'cut-after-bytes': { type: 'string' },
        'cut-every': { type: 'boolean', default: false },
        'corrupt-chunk-at': { type: 'string' },
        'stall-after-bytes': { type: 'string' },
        'throttle-baud': { type: 'string' },
        'latency-ms': { type: 'string' },
        'fail-verify': { type: 'boolean', default: false },
        'fail-health': { type: 'boolean', default: false },
        'power-loss-at': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // parseArgs' messages name the option; its hint about "--" only confuses here.
    throw new AgentUsageError((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const v = parsed.values;

  const interfaces = v.interfaces
    ?.flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const badInterfaces = interfaces?.filter((a) => !isIPv4(a)) ?? [];
  if (badInterfaces.length) {
    throw new AgentUsageError(
      `--interfaces takes IPv4 addresses of this machine's interfaces, not ${badInterfaces.map((a) => `"${a}"`).join(', ')}`,
      'List them with `ip -4 addr`, e.g. --interfaces 127.0.0.1,10.77.0.1',
    );
  }
  if (interfaces && interfaces.length === 0) throw new AgentUsageError('--interfaces needs at least one IPv4 address');

  if ((v.trust === undefined) !== (v.name === undefined))
    throw new AgentUsageError('--trust and --name go together: --trust <public key hex> --name "<technician name>"');
  if (v.role !== undefined && v.trust === undefined) throw new AgentUsageError('--role only applies with --trust');
  let trust: TrustedTechnician | undefined;
  if (v.trust !== undefined && v.name !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(v.trust))
      throw new AgentUsageError(
        `--trust needs the technician's Ed25519 public key as 64 hex digits, got ${v.trust.length} characters`,
        'Copy the key from Fieldline: Settings → Technician profile → public key.',
      );
    const role = v.role ?? 'technician';
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(role))
      throw new AgentUsageError(`--role must be a short lowercase word such as "technician", got "${role}"`);
    if (!v.name.trim()) throw new AgentUsageError('--name must not be empty');
    trust = { publicKey: v.trust.toLowerCase(), name: v.name.trim(), role };
  }

  const emulate = integer('emulate', v.emulate, 1, 1000);
  const serialGateways = integer('serial-gateways', v['serial-gateways'], 0, 1000) ?? 0;
  if (emulate === undefined && v['serial-gateways'] !== undefined)
    throw new AgentUsageError('--serial-gateways only applies with --emulate N');
  if (emulate !== undefined && serialGateways > emulate)
    throw new AgentUsageError(`--serial-gateways ${serialGateways} is more than the ${emulate} emulated gateways`);
  if (emulate !== undefined && v.serial !== undefined)
    throw new AgentUsageError('--serial cannot be combined with --emulate; use --serial-gateways K to put emulated gateways behind ptys');

  if (v.functionfs !== undefined && (v.serial !== undefined || emulate !== undefined))
    throw new AgentUsageError(
      '--functionfs cannot be combined with --serial or --emulate: the agent serves one line, and FunctionFS takes it',
    );

  const port = integer('port', v.port, 0, 65535);
  if (emulate !== undefined && port !== undefined && port !== 0 && port + emulate - 1 > 65535)
    throw new AgentUsageError(`--port ${port} leaves no room for ${emulate} gateways below 65536`);

  const faults = parseFaults(v);
  const rebootMs = integer('reboot-ms', v['reboot-ms'], 0, 600_000);
  const trialMs = integer('trial-ms', v['trial-ms'], 100, 86_400_000);

  return {
    help: v.help,
    ...(faults ? { faults } : {}),
    ...(rebootMs !== undefined ? { rebootMs } : {}),
    ...(trialMs !== undefined ? { trialMs } : {}),
    ...(v.state !== undefined ? { stateDir: v.state } : {}),
    ...(v.host !== undefined ? { host: v.host } : {}),
    ...(port !== undefined ? { port } : {}),
    tls: !v.plain,
    ...(v.serial !== undefined ? { serialPath: v.serial } : {}),
    ...(v.functionfs !== undefined ? { functionFs: v.functionfs } : {}),
    baudRate: integer('baud', v.baud, 50, 4_000_000) ?? 115200,
    ...(interfaces ? { interfaces } : {}),
    udpPort: integer('udp-port', v['udp-port'], 0, 65535) ?? UDP_PROBE_PORT,
    mdns: !v['no-mdns'],
    udp: !v['no-udp'],
    ...(trust ? { trust } : {}),
    ...(emulate !== undefined ? { emulate } : {}),
    serialGateways,
    json: v.json,
    verbose: v.verbose,
  };
}

const PHASES: readonly PowerPhase[] = ['install', 'activate', 'confirm'];

function parseFaults(v: Record<string, string | boolean | string[] | undefined>): AgentFaults | undefined {
  const text = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
  const big = 2 ** 50;
  const cutAfterBytes = integer('cut-after-bytes', text('cut-after-bytes'), 1, big);
  const corruptChunkAt = integer('corrupt-chunk-at', text('corrupt-chunk-at'), 0, big);
  const stallAfterBytes = integer('stall-after-bytes', text('stall-after-bytes'), 1, big);
  const throttleBaud = integer('throttle-baud', text('throttle-baud'), 50, 100_000_000);
  const latencyMs = integer('latency-ms', text('latency-ms'), 0, 600_000);
  if (v['cut-every'] && cutAfterBytes === undefined) throw new AgentUsageError('--cut-every only applies with --cut-after-bytes N');
  let powerLossAt: AgentFaults['powerLossAt'];
  const power = text('power-loss-at');
  if (power !== undefined) {
    const m = /^([a-z]+):(\d{1,4})$/.exec(power.trim());
    const phase = PHASES.find((p) => p === m?.[1]);
    if (!m || !phase || Number(m[2]) < 1)
      throw new AgentUsageError(
        `--power-loss-at takes PHASE:STEP with PHASE one of ${PHASES.join(', ')} and STEP ≥ 1, e.g. install:3; got "${power}"`,
      );
    powerLossAt = { phase, step: Number(m[2]) };
  }
  const faults: AgentFaults = {
    ...(cutAfterBytes !== undefined ? { cutAfterBytes, cutEvery: v['cut-every'] === true } : {}),
    ...(corruptChunkAt !== undefined ? { corruptChunkAt } : {}),
    ...(stallAfterBytes !== undefined ? { stallAfterBytes } : {}),
    ...(throttleBaud !== undefined ? { throttleBaud } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(v['fail-verify'] ? { failVerify: true } : {}),
    ...(v['fail-health'] ? { failHealth: true } : {}),
    ...(powerLossAt ? { powerLossAt } : {}),
  };
  return Object.keys(faults).length ? faults : undefined;
}
