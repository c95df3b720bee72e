/**
 * The go-back-N window on its own: acks, rewinds, stale refusals, and the re-send bound.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkWindow, HeldMovedError, type Chunk } from '../../core/flash/chunk-window.js';
import { ChunkCompressor } from '../../core/flash/chunk-compression.js';
import { RateMeter } from '../../core/flash/rate-meter.js';
import { seededRandom } from '../../core/bench/onnx/index.js';

const CHUNK = 10;

function chunkAt(offset: number, size: number): Chunk {
  const raw = new Uint8Array(Math.min(CHUNK, size - offset)).fill(offset & 0xff);
  return { offset, raw, data: raw, encoding: 'raw', sends: 0 };
}

/** Fills the window the way transfer.ts does and returns what went out. */
function fill(w: ChunkWindow) {
  const sent = [];
  while (w.canSend) {
    if (w.wantsChunk) w.add(chunkAt(w.readOffset, w.size));
    const next = w.next();
    if (!next) break;
    sent.push(next);
  }
  return sent;
}

describe('chunk window', () => {
  test('keeps at most `window` requests in flight and finishes when every byte is held', () => {
    const w = new ChunkWindow(0, 95, 4);
    const first = fill(w);
    assert.deepEqual(
      first.map((s) => s.chunk.offset),
      [0, 10, 20, 30],
    );
    assert.equal(w.inFlight, 4);
    assert.equal(fill(w).length, 0);
    let held = 0;
    while (!w.done) {
      held = Math.min(95, held + CHUNK);
      w.acked(held, 0);
      fill(w);
    }
    assert.equal(w.held, 95);
    assert.equal(w.rewinds, 0);
  });

  test('out_of_order rewinds once per generation and re-sends from held', () => {
    const w = new ChunkWindow(0, 100, 4);
    const sent = fill(w); // 0 10 20 30
    // Chunk 0 arrives; chunk 10 is lost; 20 and 30 are refused as out of order.
    w.acked(10, sent[0]!.generation);
    assert.equal(w.outOfOrder(10, sent[2]!.generation), true);
    assert.equal(w.outOfOrder(10, sent[3]!.generation), false, 'a second refusal of the same generation is stale');
    // The lost request (10) will only time out: it no longer takes a place in the window.
    assert.equal(w.failed(sent[1]!.generation), false);
    const again = fill(w);
    assert.deepEqual(
      again.map((s) => [s.chunk.offset, s.resend]),
      [
        [10, true],
        [20, true],
        [30, true],
        [40, false],
      ],
    );
    assert.equal(w.rewinds, 1);
  });

  test('a cut re-sends at most `window` chunks (random loss pattern)', () => {
    const random = seededRandom(11);
    for (let run = 0; run < 200; run++) {
      const size = 50 + Math.floor(random.next() * 500);
      const windowSize = 1 + Math.floor(random.next() * 8);
      // One attempt: the device takes chunks until a random cut, then the link dies.
      const attempt = new ChunkWindow(0, size, windowSize);
      const cutAfter = Math.floor(random.next() * Math.ceil(size / CHUNK));
      let taken = 0;
      let sentBeforeCut = 0;
      for (;;) {
        const sent = fill(attempt);
        sentBeforeCut += sent.length;
        if (taken >= cutAfter || attempt.done) break;
        taken++;
        attempt.acked(Math.min(size, taken * CHUNK), 0);
      }
      const held = attempt.held;
      const firstSends = Math.ceil((attempt.readOffset - held) / CHUNK);
      // Everything sent but not held must go again in the next attempt: bounded by the window.
      assert.ok(firstSends <= windowSize, `${firstSends} chunks lost to a cut with window ${windowSize}`);
      assert.ok(sentBeforeCut - Math.ceil(held / CHUNK) <= windowSize);
    }
  });

  test('a device holding part of a chunk gets the rest; one holding more than was read is reported', () => {
    const w = new ChunkWindow(0, 40, 2);
    fill(w);
    w.acked(15, 0);
    assert.equal(w.outOfOrder(15, 0), true);
    const [next] = fill(w);
    assert.equal(next?.chunk.offset, 15);
    assert.equal(next?.chunk.raw.length, 5);
    assert.throws(() => w.acked(39, 1), HeldMovedError);
  });

  test('an ack that takes nothing leaves the window idle; rewindIfIdle sends again', () => {
    const w = new ChunkWindow(0, 10, 2);
    fill(w);
    w.acked(0, 0);
    assert.equal(fill(w).length, 0);
    assert.equal(w.rewindIfIdle(), true);
    assert.equal(fill(w)[0]?.resend, true);
  });
});

describe('chunk compression', () => {
  test('deflates compressible chunks and keeps incompressible ones raw', async () => {
    const c = new ChunkCompressor('auto', 1);
    const text = new TextEncoder().encode('compressible text '.repeat(4000));
    const compressed = await c.encode(text);
    assert.equal(compressed.encoding, 'deflate');
    assert.ok(compressed.data.length < text.length * 0.9);
    const random = seededRandom(3);
    const noise = new Uint8Array(64 * 1024).map(() => Math.floor(random.next() * 256));
    const raw = await c.encode(noise);
    assert.equal(raw.encoding, 'raw');
    assert.equal(raw.data, noise);
    assert.equal((await new ChunkCompressor('never', 1).encode(text)).encoding, 'raw');
  });
});

describe('rate meter', () => {
  test('rate and ETA follow the held bytes over time', () => {
    let now = 0;
    const meter = new RateMeter(3000, () => now);
    assert.equal(meter.sample(0, 1000).etaSeconds, null);
    now = 1000;
    const s = meter.sample(100, 1000);
    assert.equal(s.rateBps, 100);
    assert.equal(s.etaSeconds, 9);
    now = 2000;
    assert.equal(meter.sample(1000, 1000).etaSeconds, 0);
  });
});
