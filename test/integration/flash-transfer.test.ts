/**
 * The transfer engine against real agents over TLS on loopback: happy path, compression, resume
 * after many random cuts (from either end), a corrupted chunk, a file changed mid-transfer, cancel.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { seededRandom } from '../../core/bench/onnx/index.js';
import { FlashError } from '../../core/flash/flash-error.js';
import { sendArtifact, type ArtifactSource, type TransferResult } from '../../core/flash/transfer.js';
import { artifactOf, demoTechnician, GatewayFixture, openAuthenticated, sha256File } from './flash-support.js';
import { startAgent } from '../../agent/agent.js';
import { ensureDemoSigners } from '../../agent/bundle-trust.js';
import { openPtyPair } from '../../agent/socat-pty.js';
import { openDeviceSession } from '../../core/engine/device-session.js';
import { authenticate } from '../../core/protocol/client-session.js';
import { writeFile } from 'node:fs/promises';

/** The artifact as the device stored it: the complete file under its hash, whatever the suffix. */
async function deviceCopy(agent: RunningAgent, sha256: string): Promise<string> {
  const dir = join(agent.stateDir, 'artifacts');
  const names = (await readdir(dir)).filter((n) => n.startsWith(sha256) && (n.endsWith('.flb') || n.endsWith('.part')));
  assert.ok(names.length > 0, `the gateway has no file for ${sha256.slice(0, 12)}`);
  const flb = names.find((n) => n.endsWith('.flb')) ?? names[0]!;
  return join(dir, flb);
}

describe('flash transfer engine', () => {
  const fx = new GatewayFixture('fl-flash-transfer-', 3 * 1024 * 1024);
  const gateway = fx.gateway.bind(fx);

  test('OS image and model bundles: sent, committed and verified by the gateway', async () => {
    const agent = await gateway('gw-happy');
    for (const file of [fx.bundles.osImage.file, fx.bundles.model.file]) {
      const source = await artifactOf(file);
      const session = await openAuthenticated(agent);
      const progress: number[] = [];
      try {
        const result = await sendArtifact(session.peer, source, { onProgress: (p) => progress.push(p.held) });
        assert.equal(result.held, source.size);
        assert.equal(result.startedAt, 0);
        assert.equal(result.chunksResent, 0);
        assert.ok(result.window > 1, 'more than one chunk in flight');
        assert.equal(result.commit?.verified, true);
        assert.equal(result.commit?.kind, file === fx.bundles.osImage.file ? 'os-image' : 'model');
        assert.equal(progress.at(-1), source.size);
        assert.ok(
          progress.every((v, i) => i === 0 || v >= progress[i - 1]!),
          'progress never goes back',
        );
        assert.equal(await sha256File(await deviceCopy(agent, source.sha256)), source.sha256);
        // A second send of a committed artifact sends nothing and commits again.
        const again = await sendArtifact(session.peer, source);
        assert.equal(again.startedAt, source.size);
        assert.equal(again.chunksSent, 0);
        assert.equal(again.commit?.verified, true);
      } finally {
        await session.close();
      }
    }
  });

  test('over a socat pty serial line: small chunks, a small window, committed and verified', async () => {
    const pty = await openPtyPair(join(fx.dir, 'flash.agent.tty'), join(fx.dir, 'flash.client.tty'));
    const stateDir = join(fx.dir, 'gw-serial');
    await ensureDemoSigners(stateDir);
    const agent = await startAgent({
      stateDir,
      device: { name: 'gw-serial', serial: 'SN-serial', vendor: 'Acme Edge Systems', model: 'EdgeBox X1', hardwareRevision: 'rev-b' },
      trust: [demoTechnician.trustEntry],
      tcp: false,
      mdns: false,
      udp: false,
      serialPath: pty.agentPath,
    });
    try {
      const session = await openDeviceSession(
        { transport: 'serial', path: pty.clientPath, baudRate: 115200, via: 'manual' },
        { expectId: agent.id },
      );
      try {
        await authenticate(session.peer, agent.id, demoTechnician.identity);
        const source = await artifactOf(fx.bundles.model.file);
        const result = await sendArtifact(session.peer, source);
        assert.ok(result.chunkSize <= 8 * 1024, `chunk ${result.chunkSize} fits the serial frame`);
        assert.ok(result.window >= 2 && result.window <= 8);
        assert.ok(source.size > result.chunkSize * result.window, 'more chunks than the window: the window really slides');
        assert.equal(result.commit?.verified, true);
        assert.equal(result.commit?.kind, 'model');
      } finally {
        await session.close();
      }
    } finally {
      await agent.close();
      await pty.close();
    }
  });

  test('compressible data crosses the link deflated, and arrives byte for byte', async () => {
    const agent = await gateway('gw-deflate');
    const file = join(fx.dir, 'text.bin');
    await writeFile(file, 'Fieldline compressible log line, repeated many times.\n'.repeat(40_000));
    const source = await artifactOf(file);
    const session = await openAuthenticated(agent);
    try {
      const result = await sendArtifact(session.peer, source, { commit: false });
      assert.ok(result.compressedChunks > 0);
      assert.ok(result.wireBytes < source.size / 4, `${result.wireBytes} bytes on the wire for ${source.size}`);
      assert.equal(await sha256File(await deviceCopy(agent, source.sha256)), source.sha256);
      const raw = await sendArtifact(session.peer, { ...(await artifactOf(fx.bundles.model.file)) }, { commit: false, compress: 'never' });
      assert.equal(raw.compressedChunks, 0);
      assert.equal(raw.wireBytes, raw.bytesSent);
    } finally {
      await session.close();
    }
  });

  test('50 random cuts from the laptop side: every attempt resumes, hash matches, at most `window` chunks re-sent per cut', async () => {
    const agent = await gateway('gw-cuts');
    const source = await artifactOf(fx.bundles.osImage.file);
    const chunkSize = 8 * 1024;
    const windowSize = 8;
    const chunks = Math.ceil(source.size / chunkSize);
    assert.ok(chunks > 100, `${chunks} chunks are too few for 50 distinct cuts`);
    const random = seededRandom(4242);
    const cutChunks = new Set<number>();
    while (cutChunks.size < 50) cutChunks.add(1 + Math.floor(random.next() * (chunks - 2)));
    const cuts = [...cutChunks].sort((a, b) => a - b).map((c) => c * chunkSize);

    let totalSent = 0;
    let attempts = 0;
    let result: TransferResult | null = null;
    while (result === null) {
      attempts++;
      assert.ok(attempts <= 200, 'the transfer does not converge');
      const session = await openAuthenticated(agent);
      const cutAt = cuts.shift();
      try {
        result = await sendArtifact(session.peer, source, {
          chunkSize,
          window: windowSize,
          commit: cutAt === undefined,
          onProgress: (p) => {
            if (cutAt !== undefined && p.held >= cutAt) session.peer.stream.destroy();
          },
        });
        if (cutAt !== undefined) {
          // The cut came after the last ack: nothing left to lose. Count it and commit next round.
          totalSent += result.chunksSent;
          result = null;
        }
      } catch (err) {
        assert.ok(err instanceof FlashError, String(err));
        assert.equal(err.resumable, true, `${err.code}: ${err.message}`);
        const c = err.counters!;
        const lost = c.bytesSent - (c.held - c.startedAt);
        assert.ok(lost <= windowSize * chunkSize, `a cut lost ${lost} bytes, more than ${windowSize} chunks`);
        totalSent += c.chunksSent;
      } finally {
        await session.close();
      }
    }
    totalSent += result.chunksSent;
    assert.equal(result.commit?.verified, true);
    assert.equal(await sha256File(await deviceCopy(agent, source.sha256)), source.sha256);
    assert.ok(totalSent <= chunks + 50 * windowSize, `${totalSent} chunks sent for ${chunks} (+ at most ${50 * windowSize})`);
  });

  test('the gateway cutting every connection after 200 kB: the transfer still completes by resuming', async () => {
    const agent = await gateway('gw-cut-every', { faults: { cutAfterBytes: 200_000, cutEvery: true } });
    const source = await artifactOf(fx.bundles.osImage.file);
    let result: TransferResult | null = null;
    let cuts = 0;
    let lastHeld = -1;
    while (result === null) {
      const session = await openAuthenticated(agent);
      try {
        result = await sendArtifact(session.peer, source, { chunkSize: 32 * 1024 });
      } catch (err) {
        assert.ok(err instanceof FlashError && err.resumable, String(err));
        assert.ok(err.counters!.held > lastHeld, 'every attempt gets further');
        assert.ok(err.counters!.bytesSent - (err.counters!.held - err.counters!.startedAt) <= 16 * 32 * 1024);
        lastHeld = err.counters!.held;
        cuts++;
        assert.ok(cuts < 100);
      } finally {
        await session.close();
      }
    }
    assert.ok(cuts >= Math.floor(source.size / 200_000) - 1, `${cuts} cuts`);
    assert.equal(result.commit?.verified, true);
    assert.ok(result.startedAt > 0);
  });

  test('a chunk corrupted on the gateway: commit fails, the next transfer starts over and verifies', async () => {
    const agent = await gateway('gw-corrupt', { faults: { corruptChunkAt: 100_000 } });
    const source = await artifactOf(fx.bundles.osImage.file);
    const session = await openAuthenticated(agent);
    try {
      await assert.rejects(sendArtifact(session.peer, source), (err: FlashError) => err.code === 'artifact_corrupt' && !err.resumable);
      const again = await sendArtifact(session.peer, source);
      assert.equal(again.startedAt, 0, 'the corrupt copy was discarded');
      assert.equal(again.commit?.verified, true);
    } finally {
      await session.close();
    }
  });

  test('the local file changes between attempts: payload_changed, and the gateway never gets a complete wrong file', async () => {
    const agent = await gateway('gw-changed');
    const original = await artifactOf(fx.bundles.model.file);
    const file = join(fx.dir, 'changing.flb');
    for (const flipAt of [Math.floor(original.size * 0.8), 100]) {
      await copyFile(fx.bundles.model.file, file);
      const source: ArtifactSource = { ...original, file };
      // First attempt: cut half way.
      const first = await openAuthenticated(agent);
      await assert.rejects(
        sendArtifact(first.peer, source, {
          chunkSize: 4096,
          window: 2,
          commit: false,
          onProgress: (p) => {
            if (p.held >= original.size / 2) first.peer.stream.destroy();
          },
        }),
        (err: FlashError) => err.resumable,
      );
      await first.close();
      // A byte changes: in the part still to send, then in the part the gateway already holds.
      const handle = await open(file, 'r+');
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, flipAt);
      byte[0] = byte[0]! ^ 0xff;
      await handle.write(byte, 0, 1, flipAt);
      await handle.close();
      const second = await openAuthenticated(agent);
      try {
        await assert.rejects(sendArtifact(second.peer, source), (err: FlashError) => err.code === 'payload_changed');
        const status = (await second.peer.request('artifact.status', { sha256: new Uint8Array(Buffer.from(original.sha256, 'hex')) })) as {
          held: number;
          complete: boolean;
        };
        assert.ok(status.held < original.size, 'the last chunk was never sent');
        assert.equal(status.complete, false);
      } finally {
        await second.close();
      }
    }
  });

  test('cancel with an AbortSignal stops the transfer (not resumable as an error, yet the gateway keeps its bytes)', async () => {
    const agent = await gateway('gw-cancel');
    const source = await artifactOf(fx.bundles.osImage.file);
    const session = await openAuthenticated(agent);
    const controller = new AbortController();
    try {
      await assert.rejects(
        sendArtifact(session.peer, source, {
          chunkSize: 16 * 1024,
          window: 2,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.held > 100_000) controller.abort();
          },
        }),
        (err: FlashError) => err.code === 'cancelled' && !err.resumable,
      );
      const resumed = await sendArtifact(session.peer, source);
      assert.ok(resumed.startedAt > 100_000);
      assert.equal(resumed.commit?.verified, true);
    } finally {
      await session.close();
    }
  });
});
