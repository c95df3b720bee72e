import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cobsDecode, cobsEncode, cobsEncodePartsInto } from '../../core/protocol/cobs.js';
import { crc32c } from '../../core/protocol/crc32c.js';
import { FrameDecoder, encodeFrame, type FrameDrop } from '../../core/protocol/frame.js';

function collect(maxFrame?: number) {
  const frames: Uint8Array[] = [];
  const drops: FrameDrop[] = [];
  const decoder = new FrameDecoder(
    (f) => frames.push(f),
    maxFrame,
    (d) => drops.push(d),
  );
  return { decoder, frames, drops };
}

describe('crc32c', () => {
  test('matches the Castagnoli check value for "123456789"', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  });
  test('sliced and bytewise paths agree on every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let crc = 0xffffffff;
        for (const b of bytes) {
          crc ^= b;
          for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
        }
        assert.equal(crc32c(bytes), (crc ^ 0xffffffff) >>> 0);
      }),
    );
  });
});

describe('COBS', () => {
  test('round-trips any payload and never emits a zero', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (bytes) => {
        const encoded = cobsEncode(bytes);
        assert.ok(!encoded.includes(0));
        const decoded = cobsDecode(encoded);
        assert.ok(decoded.ok);
        assert.deepEqual(decoded.ok && decoded.value, bytes);
      }),
    );
  });
  test('handles runs of 254 and 255 non-zero bytes', () => {
    for (const n of [253, 254, 255, 508, 509]) {
      const bytes = new Uint8Array(n).fill(7);
      const decoded = cobsDecode(cobsEncode(bytes));
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.ok && decoded.value, bytes);
    }
  });
  test('rejects a code that runs past the end, with the offset', () => {
    const result = cobsDecode(new Uint8Array([5, 1, 2]));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /runs past the end/);
  });
});

describe('FrameDecoder', () => {
  test('round-trips frames split at every possible byte boundary', () => {
    const payloads = [new Uint8Array([1, 0, 2, 0, 0]), new Uint8Array(0), new Uint8Array(300).fill(0)];
    const wire = Buffer.concat(payloads.map(encodeFrame));
    for (let cut = 0; cut <= wire.length; cut++) {
      const { decoder, frames } = collect();
      decoder.push(wire.subarray(0, cut));
      decoder.push(wire.subarray(cut));
      assert.deepEqual(frames, payloads);
    }
  });

  test('drops a corrupted frame, counts it, and resynchronises at the next delimiter', () => {
    const good = encodeFrame(new Uint8Array([10, 20, 30]));
    const bad = encodeFrame(new Uint8Array([1, 2, 3]));
    bad[1] = bad[1]! ^ 0x40;
    const { decoder, frames, drops } = collect();
    decoder.push(Buffer.concat([new Uint8Array([0x13, 0x37, 0xff]), new Uint8Array([0]), bad, good]));
    assert.deepEqual(frames, [new Uint8Array([10, 20, 30])]);
    assert.equal(decoder.stats.dropped, 2);
    assert.deepEqual(
      drops.map((d) => d.reason),
      ['bad_cobs', 'bad_crc'],
    );
  });

  test('skips an oversized frame without buffering it, then decodes the next', () => {
    const { decoder, frames, drops } = collect(64);
    decoder.push(new Uint8Array(10_000).fill(0x41));
    decoder.push(new Uint8Array(10_000).fill(0x41));
    decoder.push(new Uint8Array([0]));
    decoder.push(encodeFrame(new Uint8Array([9])));
    assert.deepEqual(frames, [new Uint8Array([9])]);
    assert.deepEqual(
      drops.map((d) => d.reason),
      ['too_large'],
    );
  });

  test('a frame too short to hold a CRC is dropped with a reason', () => {
    const { decoder, drops } = collect();
    decoder.push(new Uint8Array([0x02, 0x01, 0x00]));
    assert.equal(drops[0]?.reason, 'too_short');
  });

  test('random bytes never crash the decoder and never yield a frame with a bad CRC', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const { decoder, frames } = collect(512);
        for (const chunk of chunks) decoder.push(chunk);
        // Every emitted frame must re-encode to bytes that were really on the wire with a valid CRC.
        const wire = Buffer.concat(chunks);
        for (const frame of frames) {
          const encoded = encodeFrame(frame);
          assert.ok(wire.includes(Buffer.from(encoded.subarray(0, encoded.length - 1))));
        }
      }),
      { numRuns: 500 },
    );
  });

  test('valid frames interleaved with random garbage are all recovered when delimited', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 10 }), (pairs) => {
        const { decoder, frames } = collect();
        const expected: Uint8Array[] = [];
        for (const [garbage, payload] of pairs) {
          decoder.push(garbage);
          decoder.push(new Uint8Array([0]));
          decoder.push(encodeFrame(payload));
          expected.push(payload);
        }
        // Garbage may itself contain a valid frame by chance only with a matching CRC: vanishingly rare.
        assert.deepEqual(frames.slice(-expected.length), expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('COBS against a byte-by-byte reference', () => {
  /** The textbook per-byte encoder, kept here to pin the run-based one to the same bytes. */
  function reference(input: Uint8Array): Uint8Array {
    const out: number[] = [0];
    let codeIndex = 0;
    let code = 1;
    for (const byte of input) {
      if (byte !== 0) {
        out.push(byte);
        code++;
      }
      if (byte === 0 || code === 0xff) {
        out[codeIndex] = code;
        codeIndex = out.length;
        out.push(0);
        code = 1;
      }
    }
    out[codeIndex] = code;
    return new Uint8Array(out);
  }
  test('encodes exactly like the per-byte algorithm, zeros and 254-byte runs included', () => {
    const bytes = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 }), fc.constant(7));
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 1500 }), (values) => {
        const input = new Uint8Array(values);
        assert.deepEqual(cobsEncode(input), reference(input));
      }),
      { numRuns: 1000 },
    );
    for (const n of [253, 254, 255, 508, 509]) {
      for (const tail of [[], [0], [0, 0]]) {
        const input = new Uint8Array([...new Uint8Array(n).fill(9), ...tail]);
        assert.deepEqual(cobsEncode(input), reference(input), `${n} + ${tail.length} zeros`);
      }
    }
  });
});

test('encoding parts equals encoding their concatenation', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 4 }), (parts) => {
      const whole = cobsEncode(Buffer.concat(parts));
      const out = new Uint8Array(whole.length + 8);
      const end = cobsEncodePartsInto(parts, out, 0);
      assert.deepEqual(out.subarray(0, end), whole);
    }),
    { numRuns: 1000 },
  );
});
