/**
 * The native CRC-32C (`@node-rs/crc32`) behind `crc32c` must give exactly the table version's
 * answer, on any buffer and any [start, end) range, and both must match the bitwise definition.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { crc32c, crc32cImplementation, crc32cJs } from '../../core/protocol/crc32c.js';

function bitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A buffer with a range inside it, lengths on both sides of the native/table threshold. */
const bufferAndRange = fc
  .uint8Array({ minLength: 0, maxLength: 4096 })
  .chain((bytes) =>
    fc
      .tuple(fc.nat({ max: bytes.length }), fc.nat({ max: bytes.length }))
      .map(([a, b]) => ({ bytes, start: Math.min(a, b), end: Math.max(a, b) })),
  );

describe('crc32c: native and table versions', () => {
  test('the native module loads on this platform (the fallback is for others)', () => {
    assert.equal(crc32cImplementation.kind, 'native', crc32cImplementation.problem ?? '');
  });

  test('both give the Castagnoli check value for "123456789"', () => {
    const check = new TextEncoder().encode('123456789');
    assert.equal(crc32c(check), 0xe3069283);
    assert.equal(crc32cJs(check), 0xe3069283);
  });

  test('native equals the table version on random buffers and offsets', () => {
    fc.assert(
      fc.property(bufferAndRange, ({ bytes, start, end }) => {
        assert.equal(crc32c(bytes, start, end), crc32cJs(bytes, start, end));
      }),
      { numRuns: 500 },
    );
  });

  test('both equal the bitwise definition on buffers past the native threshold', () => {
    fc.assert(
      fc.property(bufferAndRange, ({ bytes, start, end }) => {
        const expected = bitwise(bytes.subarray(start, end));
        assert.equal(crc32c(bytes, start, end), expected);
        assert.equal(crc32cJs(bytes, start, end), expected);
      }),
      { numRuns: 100 },
    );
  });

  test('a view into a larger ArrayBuffer is hashed over its own bytes only', () => {
    const backing = new Uint8Array(10_000).map((_, i) => (i * 31) & 0xff);
    const view = backing.subarray(1234, 1234 + 5000);
    assert.equal(crc32c(view), bitwise(view));
    assert.equal(crc32c(view, 100, 4000), bitwise(view.subarray(100, 4000)));
  });

  test('FIELDLINE_CRC32C=js selects the table version, with the same answers', () => {
    const script = [
      "import('./core/protocol/crc32c.ts').then((m) => {",
      '  const b = new Uint8Array(5000).map((_, i) => (i * 7) & 255);',
      '  console.log(JSON.stringify([m.crc32cImplementation.kind, m.crc32c(b, 3, 4999)]));',
      '});',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, FIELDLINE_CRC32C: 'js' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const b = new Uint8Array(5000).map((_, i) => (i * 7) & 255);
    assert.deepEqual(JSON.parse(run.stdout.trim()), ['js', crc32c(b, 3, 4999)]);
  });
});
