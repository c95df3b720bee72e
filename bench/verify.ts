/**
 * bench/verify: verifyBundle on a 1 GiB bundle against `sha256sum` of the same file, in the same
 * run. Goal: verification at ≥ 90% of sha256sum's speed.
 *
 * The payload is generated (AES-CTR keystream: deterministic, incompressible, fast to make), so
 * neither side benefits from zeros. Both sides read the same file from the page cache, warmed
 * once before timing; each figure is the median of several alternating runs. Verification does
 * strictly more than sha256sum (whole-file hash AND per-payload hash, tar parsing, signatures),
 * in one read of the file.
 *
 * Usage: npx tsx bench/verify.ts [--runs 3] [--size-mib 1024]
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBundle, DEMO_ROOTS, verifyBundle, type TrustPolicy } from '../core/bundle/index.js';
import { identityFromPem } from '../core/protocol/identity.js';
import signerJson from '../resources/demo/signing-keys/image-signer-1.json' with { type: 'json' };

const GOAL_RATIO = 0.9;
const MIB = 1024 * 1024;

export interface VerifyBenchResult {
  readonly bytes: number;
  readonly runs: number;
  readonly verifyMs: readonly number[];
  readonly sha256sumMs: readonly number[];
  readonly verifyMBps: number;
  readonly sha256sumMBps: number;
  readonly ratio: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function generate(file: string, bytes: number): Promise<void> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 0x42), Buffer.alloc(16, 0x17));
  const zeros = Buffer.alloc(4 * MIB);
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < bytes;) {
      const n = Math.min(zeros.length, bytes - written);
      const chunk = cipher.update(zeros.subarray(0, n));
      await handle.write(chunk, 0, chunk.length);
      written += chunk.length;
    }
  } finally {
    await handle.close();
  }
}

function demoPolicy(): TrustPolicy {
  return {
    keys: DEMO_ROOTS.keys.map((k) => ({
      keyId: k.keyId,
      publicKey: k.publicKey,
      name: k.name,
      roles: k.roles.filter((r): r is 'image-signer' | 'model-signer' => r === 'image-signer' || r === 'model-signer'),
      source: 'demo-root' as const,
      addedAt: 0,
      expiresAt: k.expiresAt,
      revokedAt: null,
      revokedReason: null,
    })),
    thresholds: { 'os-image': 1, firmware: 1, model: 1 },
  };
}

function sha256sum(file: string): { ms: number; hex: string } {
  const start = performance.now();
  const run = spawnSync('sha256sum', [file], { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`sha256sum failed: ${run.stderr}`);
  return { ms, hex: run.stdout.split(' ')[0] ?? '' };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<VerifyBenchResult> {
  const { values } = parseArgs({
    args: [...argv],
    options: { runs: { type: 'string', default: '3' }, 'size-mib': { type: 'string', default: '1024' } },
  });
  const runs = Math.max(1, Number(values.runs));
  const size = Math.max(1, Number(values['size-mib'])) * MIB;
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-bench-verify-'));
  try {
    const payload = path.join(dir, 'rootfs.img');
    const bundle = path.join(dir, 'bench.flb');
    console.log(`generating a ${size / MIB} MiB payload and bundle in ${dir}`);
    await generate(payload, size);
    await createBundle({
      manifest: {
        schema: 'fieldline.bundle/v1',
        name: 'Bench OS',
        kind: 'os-image',
        version: '1.0.0',
        securityCounter: 1,
        hardware: [{ model: 'EG-400', revisions: [] }],
        created: new Date(Date.now() - 60_000).toISOString(),
        expires: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      },
      files: [{ path: 'rootfs.img', source: payload, target: 'slot' }],
      out: bundle,
      signers: [identityFromPem(signerJson.privateKeyPem)],
    });
    await rm(payload);
    const bytes = (await stat(bundle)).size;
    const policy = demoPolicy();

    // Warm the page cache and check both sides agree on the file's hash.
    const warm = await verifyBundle(bundle, policy);
    if (!warm.ok) throw new Error(`the bench bundle did not verify: ${warm.firstFailure?.message}`);
    const reference = sha256sum(bundle);
    if (reference.hex !== warm.sha256) throw new Error('verifyBundle and sha256sum disagree on the file hash');

    const verifyMs: number[] = [];
    const sha256sumMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const report = await verifyBundle(bundle, policy);
      verifyMs.push(performance.now() - start);
      if (!report.ok) throw new Error(`verification failed on run ${i + 1}: ${report.firstFailure?.message}`);
      sha256sumMs.push(sha256sum(bundle).ms);
    }
    const mbps = (ms: number): number => bytes / 1e6 / (ms / 1000);
    const verifyMBps = mbps(median(verifyMs));
    const sha256sumMBps = mbps(median(sha256sumMs));
    const ratio = verifyMBps / sha256sumMBps;
    const result: VerifyBenchResult = { bytes, runs, verifyMs, sha256sumMs, verifyMBps, sha256sumMBps, ratio };

    console.log(`bundle: ${bytes} bytes (${(bytes / MIB).toFixed(0)} MiB), median of ${runs} runs`);
    console.log(`verifyBundle: ${verifyMBps.toFixed(0)} MB/s  (${verifyMs.map((m) => m.toFixed(0)).join(', ')} ms)`);
    console.log(`sha256sum:    ${sha256sumMBps.toFixed(0)} MB/s  (${sha256sumMs.map((m) => m.toFixed(0)).join(', ')} ms)`);
    console.log(
      `ratio: ${(ratio * 100).toFixed(0)}% of sha256sum — goal ≥ ${GOAL_RATIO * 100}%: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}`,
    );

    const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'verify.json'), `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`bench/verify failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
