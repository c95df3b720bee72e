/**
 * Signed bundles for the flash benchmarks: a real `createBundle` archive signed with the demo
 * image key, whose payload is generated here so each bench controls how compressible it is.
 *
 * - `random`: AES-128-CTR keystream. Deterministic, incompressible, and fast (≈1 GB/s), so a
 *   256 MiB artifact costs a fraction of a second to make and neither peer gains from zeros.
 * - `image`: a root-file-system look-alike (zeros, text, random blocks in thirds, as the demo OS
 *   image) stored WITHOUT gzip, so on-the-wire compression has something to win.
 *
 * The bundle targets the bench agent's hardware (see flash-agent.ts) and is newer than its slot,
 * so the device's own verification at commit accepts it.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadDemoSigner } from '../../cli/demo-bundles.js';
import { createBundle, type Manifest } from '../../core/bundle/index.js';
import type { ArtifactSource } from '../../core/flash/transfer.js';
import { BENCH_DEVICE } from './flash-agent.js';

export type PayloadKind = 'random' | 'image';

const BLOCK = 4 * 1024 * 1024;
const DAY = 86_400_000;

/** Deterministic payload bytes, written in 4 MiB blocks. */
export async function writePayload(file: string, bytes: number, kind: PayloadKind): Promise<void> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 0x42), Buffer.alloc(16, 0x17));
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < bytes;) {
      const n = Math.min(BLOCK, bytes - written);
      const block = kind === 'random' ? cipher.update(Buffer.alloc(n)) : imageBlock(written, n, cipher);
      await handle.write(block, 0, block.length);
      written += block.length;
    }
  } finally {
    await handle.close();
  }
}

const TEXT = Buffer.from('Fieldline demo OS image — not a real operating system.\n');

/** 64 KiB stripes: random, text, zeros (as cli/demo-bundles.ts draws its demo image). */
function imageBlock(at: number, n: number, cipher: ReturnType<typeof createCipheriv>): Buffer {
  const out = Buffer.alloc(n);
  const stripe = 64 * 1024;
  for (let p = 0; p < n; p += stripe) {
    const end = Math.min(n, p + stripe);
    const i = Math.floor((at + p) / stripe);
    if (i % 3 === 0) cipher.update(Buffer.alloc(end - p)).copy(out, p);
    else if (i % 3 === 1) for (let q = p; q < end; q++) out[q] = TEXT[(at + q) % TEXT.length]!;
  }
  return out;
}

export interface BenchBundle extends ArtifactSource {
  readonly manifest: Manifest;
  readonly payloadBytes: number;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: BLOCK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A signed OS-image bundle `out` around a generated payload of `payloadBytes`. */
export async function makeBenchBundle(
  out: string,
  payloadBytes: number,
  kind: PayloadKind,
  gzip = false,
): Promise<BenchBundle> {
  await mkdir(path.dirname(out), { recursive: true });
  const payload = `${out}.payload`;
  await writePayload(payload, payloadBytes, kind);
  const now = Date.now();
  try {
    const manifest = await createBundle({
      manifest: {
        schema: 'fieldline.bundle/v1',
        name: `Fieldline bench ${kind}`,
        kind: 'os-image',
        version: '1.0.0',
        securityCounter: 1,
        hardware: [{ model: BENCH_DEVICE.model, revisions: [BENCH_DEVICE.hardwareRevision] }],
        created: new Date(now - 60_000).toISOString(),
        expires: new Date(now + 30 * DAY).toISOString(),
        releaseNotes: 'Benchmark bundle: generated payload, signed with the public demo image key.',
      },
      files: [{ path: 'rootfs.img', source: payload, target: 'slot', ...(gzip ? { compress: 'gzip' as const } : {}) }],
      out,
      signers: [loadDemoSigner('image-signer-1')],
    });
    const size = (await stat(out)).size;
    return { file: out, sha256: await sha256File(out), size, name: path.basename(out), manifest, payloadBytes };
  } finally {
    await rm(payload, { force: true });
  }
}
