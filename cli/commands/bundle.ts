/**
 * `fieldline bundle`: make, sign, check and look inside signed bundles (.flb).
 *
 * The format is specified in docs/bundle-format.md; everything here is a thin shell over
 * core/bundle so the CLI, the app and the gateway agent reach the same verdicts.
 */
import { toHex } from '../../core/protocol/identity.js';
import { readBundleManifest, signBundle } from '../../core/bundle/index.js';
import { CliError, printJson } from '../output.js';
import { onePositional, parseSubcommand, required } from './bundle-args.js';
import { runBundleCreate } from './bundle-create.js';
import { parseRole, publicPathFor, readSigningKey, writeNewKey } from './bundle-keys.js';
import { runBundleTrust, trustUsage } from './bundle-trust.js';
import { runBundleVerify } from './bundle-verify.js';

export const keygenUsage = `fieldline bundle keygen --out KEY.json [--name N] [--role image-signer|model-signer] [--json]
    Creates an Ed25519 signing key: KEY.json (private, mode 0600) and KEY.pub.json (to hand to
    whoever keeps the trust stores). Prints the key id and the public key (hex).`;

export const createUsage = `fieldline bundle create --manifest TEMPLATE.json (--dir DIR | FILE...) --out B.flb
                        [--target slot|bootloader|model|golden|aux] [--compress gzip] [--key KEY.json ...] [--json]
    Builds a bundle from a manifest template (every field but the payloads' sizes and hashes; its
    "payloads" may list { path, target, compression } per file) and a folder or files. Each --key signs it.`;

export const signUsage = `fieldline bundle sign B.flb --key KEY.json [--out B2.flb] [--json]
    Adds one signature (in place unless --out). For k-of-n, each key holder runs sign in turn.`;

export const verifyUsage = `fieldline bundle verify B.flb [--data-dir DIR | --trust DIR [--threshold K]]
                        [--target-model M --target-revision R --target-counter N [--target-firmware V]]
                        [--now TIME] [--trusted-time TIME] [--json]
    Runs every check and prints it (✓ pass, ✗ fail, ⚠ warning). Exits 1 with the first failure's
    reason code on stderr. Trusts the data directory's trust store (demo roots until you change
    it), or only the *.pub.json / PEM public keys in --trust DIR (roles as the files state; a bare
    PEM is trusted for both). --trusted-time: the last time known from a trusted source, to judge
    how far the clock can be trusted.`;

export const inspectUsage = `fieldline bundle inspect B.flb [--json]
    Shows the manifest, the signatures' key ids and the payloads without checking trust.`;

export const bundleUsage = [keygenUsage, createUsage, signUsage, verifyUsage, inspectUsage, trustUsage].join('\n');

export async function runBundle(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  switch (action) {
    case 'keygen':
      return runKeygen(rest);
    case 'create':
      return runBundleCreate(rest, createUsage);
    case 'sign':
      return runSign(rest);
    case 'verify':
      return runBundleVerify(rest, verifyUsage);
    case 'inspect':
      return runInspect(rest);
    case 'trust':
      return runBundleTrust(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${bundleUsage}\n`);
      return action === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown bundle action "${action}"; expected keygen, create, sign, verify, inspect or trust\n${bundleUsage}`);
  }
}

async function runKeygen(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    { out: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' } },
    keygenUsage,
  );
  if (positionals.length) throw new CliError(`keygen takes no positional arguments, got ${positionals.join(' ')}\n${keygenUsage}`);
  const out = required(values.out, '--out', keygenUsage);
  const roles = parseRole(values.role);
  const name = values.name?.trim() || 'Fieldline signing key';
  const key = await writeNewKey(out, name, roles);
  if (values.json) printJson({ ...key, privateKeyFile: out, publicKeyFile: publicPathFor(out) });
  else
    process.stdout.write(
      [
        `Created signing key "${key.name}"${roles.length ? ` (${roles.join(', ')})` : ''}.`,
        `  key id      ${key.keyId}`,
        `  public key  ${key.publicKey}`,
        `  private     ${out} (mode 0600 — keep it offline, never share it)`,
        `  public      ${publicPathFor(out)} (give this to whoever keeps the trust stores)`,
        '',
      ].join('\n'),
    );
  return 0;
}

async function runSign(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    { key: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
    signUsage,
  );
  const file = onePositional(positionals, 'bundle file', signUsage);
  const key = await readSigningKey(required(values.key, '--key', signUsage));
  const out = values.out ?? file;
  const result = await signBundle(file, key.identity, out);
  if (!result.ok) throw refusal(result.check, file);
  const keyIds = result.envelope.signatures.map((s) => s.keyid);
  if (values.json) printJson({ file: out, signedBy: key.identity.id, publicKey: toHex(key.identity.publicKey), signatures: keyIds });
  else
    process.stdout.write(
      `Signed ${out} with ${key.name} (${key.identity.id}).\n  signatures  ${keyIds.length}: ${keyIds.map((k) => k.slice(0, 16)).join(', ')}\n`,
    );
  return 0;
}

async function runInspect(argv: string[]): Promise<number> {
  const { values, positionals } = parseSubcommand(argv, { json: { type: 'boolean' } }, inspectUsage);
  const file = onePositional(positionals, 'bundle file', inspectUsage);
  const read = await readBundleManifest(file);
  if (values.json) {
    printJson({
      file,
      envelope: read.envelope,
      manifest: read.manifest,
      signatures: read.envelope?.signatures.map((s) => s.keyid) ?? [],
      problems: read.problems,
    });
  } else {
    process.stdout.write(`${formatInspect(file, read)}\n`);
  }
  const problem = read.problems.find((p) => p.status === 'fail');
  if (!read.manifest && problem) throw refusal(problem, file);
  return 0;
}

type Inspected = Awaited<ReturnType<typeof readBundleManifest>>;

function formatInspect(file: string, read: Inspected): string {
  const lines = [file];
  const m = read.manifest;
  if (m) {
    lines.push(
      `  ${m.name} ${m.version} (${m.kind})`,
      `  security counter  ${m.securityCounter}`,
      `  hardware          ${m.hardware.map((h) => `${h.model}${h.revisions.length ? ` rev ${h.revisions.join('/')}` : ' (any revision)'}`).join(', ')}`,
      `  created           ${m.created}`,
      `  expires           ${m.expires}`,
    );
    if (m.releaseNotes) lines.push(`  release notes     ${m.releaseNotes.split('\n')[0]}`);
    if (m.model)
      lines.push(
        `  model inputs      ${m.model.inputs.map((t) => `${t.name} ${t.type}[${t.shape.join(',')}]`).join(', ') || 'none'}`,
        `  model outputs     ${m.model.outputs.map((t) => `${t.name} ${t.type}[${t.shape.join(',')}]`).join(', ') || 'none'}`,
        `  golden cases      ${m.model.golden.length}   latency baselines ${m.model.baselines.length}`,
      );
    lines.push(`  payloads (${m.payloads.length}):`);
    for (const p of m.payloads)
      lines.push(
        `    ${p.path}  ${p.size} bytes  sha256 ${p.sha256}  → ${p.target}${p.compression && p.uncompressed ? `  (${p.compression}; ${p.uncompressed.size} bytes unpacked)` : ''}`,
      );
  }
  const sigs = read.envelope?.signatures ?? [];
  lines.push(`  signatures (${sigs.length}):${sigs.length ? '' : ' none — sign it with `fieldline bundle sign`'}`);
  for (const s of sigs) lines.push(`    key id ${s.keyid}`);
  for (const p of read.problems) lines.push(`  ${p.status === 'warn' ? '⚠' : '✗'} ${p.message}${p.code ? ` [${p.code}]` : ''}`);
  lines.push('  (not verified: run `fieldline bundle verify` to check signatures, trust and payloads)');
  return lines.join('\n');
}

/** A bundle problem as a CLI failure: its sentence, what to do, its reason code, exit 1. */
export function refusal(check: { code?: string; message: string }, file: string): CliError {
  return new CliError(`${file}: ${check.message}`, undefined, check.code ?? 'bundle_invalid', 1);
}
