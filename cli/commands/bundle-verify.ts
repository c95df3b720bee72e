/**
 * `fieldline bundle verify`: every check, one line each, and a non-zero exit with the first
 * failure's reason code so scripts and release pipelines can gate on it.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BUNDLE_KINDS,
  TrustStore,
  verifyBundle,
  type BundleKind,
  type Check,
  type Clock,
  type Target,
  type TrustedKey,
  type TrustPolicy,
  type VerifyReport,
} from '../../core/bundle/index.js';
import { openDatabase } from '../../core/store/database.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson } from '../output.js';
import { ADVICE } from './bundle-advice.js';
import { nonNegativeInteger, onePositional, parseSubcommand, parseTime } from './bundle-args.js';
import { readPublicKey, SIGNING_ROLES } from './bundle-keys.js';

const MARK: Readonly<Record<Check['status'], string>> = { pass: '✓', fail: '✗', warn: '⚠', skip: '–' };

export async function runBundleVerify(argv: string[], usage: string): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    {
      'data-dir': { type: 'string' },
      trust: { type: 'string' },
      threshold: { type: 'string' },
      'target-model': { type: 'string' },
      'target-revision': { type: 'string' },
      'target-counter': { type: 'string' },
      'target-firmware': { type: 'string' },
      now: { type: 'string' },
      'trusted-time': { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
  );
  const file = onePositional(positionals, 'bundle file', usage);
  if (values.trust !== undefined && values['data-dir'] !== undefined)
    throw new CliError(`give either --trust DIR (public key files) or --data-dir DIR (a Fieldline trust store), not both\n${usage}`);
  if (values.threshold !== undefined && values.trust === undefined)
    throw new CliError(
      '--threshold applies to --trust DIR only; a data directory keeps its own thresholds (`fieldline bundle trust threshold`)',
    );
  const target = parseTarget(values);
  const now = values.now === undefined ? Date.now() : parseTime('--now', values.now);
  const clock: Clock | undefined =
    values['trusted-time'] === undefined ? undefined : { now, trustedTimeFloor: parseTime('--trusted-time', values['trusted-time']) };
  const policy =
    values.trust !== undefined
      ? await policyFromFolder(values.trust, values.threshold === undefined ? 1 : thresholdOf(values.threshold))
      : policyFromDataDir(values['data-dir'] ?? defaultDataDir());

  const report = await verifyBundle(file, policy, { now, ...(target ? { target } : {}), ...(clock ? { clock } : {}) });
  if (values.json) printJson(report);
  else process.stdout.write(`${formatReport(report)}\n`);
  const first = report.firstFailure;
  if (first) {
    throw new CliError(
      `${file} is refused: ${first.message}`,
      first.code ? ADVICE[first.code] : undefined,
      first.code ?? 'bundle_refused',
      1,
    );
  }
  return 0;
}

export function formatReport(report: VerifyReport): string {
  const m = report.manifest;
  const lines = [
    `${report.file}${m ? ` — ${m.name} ${m.version} (${m.kind})` : ''}`,
    `  ${report.size} bytes${report.sha256 ? `, sha256 ${report.sha256}` : ''}`,
  ];
  const width = Math.max(...report.checks.map((c) => c.id.length));
  for (const check of report.checks) {
    const code = check.code && check.status !== 'pass' ? ` [${check.code}]` : '';
    lines.push(`  ${MARK[check.status]} ${check.id.padEnd(width)}  ${check.message}${code}`);
  }
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  lines.push(
    report.ok
      ? `Verified${warnings ? ` with ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}: every check passed.`
      : `Refused: ${report.checks.filter((c) => c.status === 'fail').length} check(s) failed; the first is ${report.firstFailure?.code ?? 'unknown'}.`,
  );
  return lines.join('\n');
}

function parseTarget(values: {
  'target-model'?: string | undefined;
  'target-revision'?: string | undefined;
  'target-counter'?: string | undefined;
  'target-firmware'?: string | undefined;
}): Target | undefined {
  const model = values['target-model'];
  const revision = values['target-revision'];
  const counter = values['target-counter'];
  if (model === undefined && revision === undefined && counter === undefined && values['target-firmware'] === undefined) return undefined;
  if (model === undefined || revision === undefined || counter === undefined)
    throw new CliError(
      'checking against a gateway needs --target-model, --target-revision and --target-counter together',
      "Take them from `fieldline info <gateway>` (model, hw rev) and the gateway's security counter.",
    );
  return {
    model,
    hardwareRevision: revision,
    securityCounter: nonNegativeInteger('--target-counter', counter),
    firmwareVersion: values['target-firmware'] ?? '',
    models: [],
  };
}

function thresholdOf(value: string): number {
  const n = nonNegativeInteger('--threshold', value);
  if (n < 1) throw new CliError('--threshold must be at least 1');
  return n;
}

function policyFromDataDir(dataDir: string): TrustPolicy {
  const db = openDatabase(dataDir);
  try {
    return new TrustStore(db).policy();
  } finally {
    db.close();
  }
}

/**
 * A throwaway trust policy from public key files, for pipelines without a data directory. Keys
 * take the roles their .pub.json states; a bare PEM states none and is trusted for both roles.
 */
async function policyFromFolder(dir: string, threshold: number): Promise<TrustPolicy> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.pub.json') || n.endsWith('.pem')).sort();
  } catch (err) {
    throw new CliError(`cannot read trust folder ${dir}: ${(err as Error).message}`, undefined, 'io', 1);
  }
  if (!names.length)
    throw new CliError(
      `trust folder ${dir} holds no *.pub.json or *.pem public keys`,
      "Put the signers' .pub.json files (from `fieldline bundle keygen`) there.",
      'io',
      1,
    );
  const keys: TrustedKey[] = [];
  for (const name of names) {
    const key = await readPublicKey(join(dir, name));
    if (keys.some((k) => k.keyId === key.keyId)) continue;
    keys.push({
      keyId: key.keyId,
      publicKey: key.publicKey,
      name: key.name,
      roles: key.roles.length ? key.roles : [...SIGNING_ROLES],
      source: 'imported',
      addedAt: 0,
      expiresAt: null,
      revokedAt: null,
      revokedReason: null,
    });
  }
  const thresholds = Object.fromEntries(BUNDLE_KINDS.map((k) => [k, threshold])) as Record<BundleKind, number>;
  return { keys, thresholds };
}
