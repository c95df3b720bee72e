/**
 * Property: flipping any single byte of a signed bundle makes verification fail. Positions are
 * drawn across the whole file (headers, envelope, payloads, padding, end marker), plus every byte
 * of the tar headers and the envelope exhaustively, since those are where a lax parser slips.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { verifyBundle } from '../../core/bundle/index.js';
import {
  demoPolicy,
  entry,
  envelopeFor,
  manifestEntry,
  manifestFor,
  NOW,
  payloadOf,
  tarBytes,
  tempDir,
  type TempDir,
} from '../helpers/bundle-craft.js';
import { gzipSync } from 'node:zlib';

let t: TempDir;
let original: Buffer;
before(async () => {
  t = await tempDir('fieldline-bundle-flip-');
  const a = Buffer.from('A small root file system image. '.repeat(40));
  const raw = Buffer.from('model weights '.repeat(64));
  const packed = gzipSync(raw);
  const gz = {
    ...payloadOf('models/m.onnx', packed, 'model'),
    compression: 'gzip' as const,
    uncompressed: { size: raw.length, sha256: payloadOf('x', raw).sha256 },
  };
  original = tarBytes([
    manifestEntry(envelopeFor(manifestFor([payloadOf('rootfs.img', a), gz]))),
    entry('rootfs.img', a),
    entry('models/m.onnx', packed),
  ]);
  const report = await verifyBundle(await t.file('original.flb', original), demoPolicy(), { now: NOW });
  assert.equal(report.ok, true, JSON.stringify(report.firstFailure));
});
after(async () => {
  await t.cleanup();
});

async function verifiesWithFlip(position: number, xor: number): Promise<boolean> {
  const bytes = Buffer.from(original);
  bytes[position] = bytes[position]! ^ xor;
  const file = `${t.dir}/flip.flb`;
  await writeFile(file, bytes);
  return (await verifyBundle(file, demoPolicy(), { now: NOW })).ok;
}

test('any single flipped byte, anywhere in the file, is refused', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: original.length - 1 }), fc.integer({ min: 1, max: 255 }), async (position, xor) => {
      assert.equal(await verifiesWithFlip(position, xor), false, `flipping byte ${position} with ${xor} was not noticed`);
    }),
    { numRuns: 400 },
  );
});

test('every byte of the manifest entry (header and envelope) and of each payload header is covered', async () => {
  const envelopeEnd = 512 + Math.ceil((original.indexOf('}]}', 512) + 3 - 512) / 512) * 512;
  const headers = [...Array(original.length / 512).keys()]
    .map((i) => i * 512)
    .filter((o) => original.toString('latin1', o + 257, o + 262) === 'ustar');
  const positions = new Set<number>();
  for (let p = 0; p < envelopeEnd; p++) positions.add(p);
  for (const h of headers) for (let p = h; p < h + 512; p++) positions.add(p);
  for (let p = original.length - 1024; p < original.length; p++) positions.add(p);
  const missed: number[] = [];
  for (const p of positions) if (await verifiesWithFlip(p, 0x01)) missed.push(p);
  assert.deepEqual(missed, [], `flips at ${missed.slice(0, 10).join(', ')} went unnoticed`);
  assert.ok(headers.length >= 3);
});

test('the untouched original still reads back identically (no test leak)', async () => {
  assert.deepEqual(await readFile(`${t.dir}/original.flb`), original);
});
