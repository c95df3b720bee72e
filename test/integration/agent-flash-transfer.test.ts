/**
 * Artifact transfer into a real agent over TLS: chunks, resume after a cut, go-back-N answers,
 * corruption found at commit, and the gateway's own refusal of a tampered bundle.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { RunningAgent } from '../../agent/agent.js';
import { FgpError } from '../../core/protocol/errors.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import { begin, loadArtifact, rejectsWith, send, slice, upload, type Artifact } from '../helpers/agent-flash-client.js';
import { AgentFixture } from './flash-support.js';

describe('agent artifact transfer', { timeout: 120_000 }, () => {
  const fx = new AgentFixture('fieldline-agent-flash-transfer-', 1024 * 1024);
  const start = fx.start.bind(fx);
  const open = async (agent: RunningAgent): Promise<FgpPeer> => (await fx.open(agent)).peer;
  let os: Artifact;

  before(async () => {
    os = await loadArtifact(fx.bundles.osImage.file);
  });

  test('an OS bundle uploads in chunks, commits verified, and a second begin answers held = size', async () => {
    const agent = await start('plain');
    const peer = await open(agent);
    const b = await begin(peer, os);
    assert.equal(b.held, 0);
    assert.equal(b.maxChunk, 256 * 1024, 'TCP sessions take 256 KiB chunks');
    assert.equal(b.window, 16);
    assert.ok(os.size > b.maxChunk, 'the test bundle needs several chunks');
    const status = (await peer.request('artifact.status', { sha256: os.sha256 })) as Record<string, unknown>;
    assert.deepEqual(status, { held: 0, size: os.size, complete: false, verified: false });
    await rejectsWith(peer.request('artifact.commit', { sha256: os.sha256 }), 'artifact_incomplete');
    await rejectsWith(peer.request('install', { sha256: os.sha256 }), 'not_verified');
    const committed = await upload(peer, os);
    assert.deepEqual(committed, { verified: true, kind: 'os-image', name: 'Fieldline Demo OS', version: '1.0.0' });
    assert.deepEqual(await peer.request('artifact.status', { sha256: os.sha256 }), {
      held: os.size,
      size: os.size,
      complete: true,
      verified: true,
    });
    assert.equal((await begin(peer, os)).held, os.size);
    const hex = Buffer.from(os.sha256).toString('hex');
    assert.deepEqual(await readFile(path.join(agent.stateDir, 'artifacts', `${hex}.flb`)), Buffer.from(os.bytes));
  });

  test('go-back-N: a gap is out_of_order with the resume point, a duplicate is acknowledged, deflate chunks inflate', async () => {
    const agent = await start('gbn');
    const peer = await open(agent);
    const b = await begin(peer, os);
    const gap = await rejectsWith(
      peer.request('artifact.chunk', { sha256: os.sha256, offset: b.maxChunk, data: slice(os, b.maxChunk, b.maxChunk) }),
      'out_of_order',
    );
    assert.deepEqual(gap.data, { held: 0 });
    const first = slice(os, 0, 1000);
    assert.deepEqual(await peer.request('artifact.chunk', { sha256: os.sha256, offset: 0, data: first }), { held: 1000 });
    assert.deepEqual(await peer.request('artifact.chunk', { sha256: os.sha256, offset: 0, data: first }), { held: 1000 }, 'duplicate');
    // Overlapping the resume point: only the new part is written.
    assert.deepEqual(await peer.request('artifact.chunk', { sha256: os.sha256, offset: 500, data: slice(os, 500, 1500) }), { held: 2000 });
    const zeros = new Uint8Array(b.maxChunk);
    const squeezed = new Uint8Array(deflateRawSync(slice(os, 2000, 4000)));
    assert.deepEqual(await peer.request('artifact.chunk', { sha256: os.sha256, offset: 2000, data: squeezed, encoding: 'deflate' }), {
      held: 6000,
    });
    const bomb = new Uint8Array(deflateRawSync(new Uint8Array(b.maxChunk * 2)));
    await rejectsWith(
      peer.request('artifact.chunk', { sha256: os.sha256, offset: 6000, data: bomb, encoding: 'deflate' }),
      'chunk_too_large',
    );
    await rejectsWith(
      peer.request('artifact.chunk', { sha256: os.sha256, offset: 6000, data: zeros, encoding: 'deflate' }),
      'invalid_params',
    );
    await send(peer, os);
    assert.equal(((await peer.request('artifact.commit', { sha256: os.sha256 })) as { verified: boolean }).verified, true);
    await rejectsWith(peer.request('artifact.status', { sha256: new Uint8Array(32) }), 'unknown_artifact');
  });

  test('a cut link resumes from the bytes held', async () => {
    const agent = await start('cut', { faults: { cutAfterBytes: 300_000 } });
    const peer = await open(agent);
    await assert.rejects(send(peer, os), (err: unknown) => err instanceof FgpError && err.code === 'connection_closed');
    const again = await open(agent);
    const resumed = await send(again, os);
    assert.ok(resumed.started > 0 && resumed.started < os.size, `resumed from ${resumed.started}`);
    assert.equal(resumed.started + resumed.sent, os.size, 'only the missing bytes were sent again');
    assert.equal(((await again.request('artifact.commit', { sha256: os.sha256 })) as { verified: boolean }).verified, true);
  });

  test('a chunk damaged after its frame CRC is found at commit (artifact_corrupt), discarded, and the resend verifies', async () => {
    const agent = await start('corrupt', { faults: { corruptChunkAt: 200_000 } });
    const peer = await open(agent);
    const err = await rejectsWith(upload(peer, os), 'artifact_corrupt');
    assert.equal((err.data as { expected: string }).expected, Buffer.from(os.sha256).toString('hex'));
    assert.equal((await begin(peer, os)).held, 0, 'the damaged file was discarded');
    assert.equal((await upload(peer, os)).verified, true);
  });

  test('a tampered bundle is refused by the gateway itself and discarded; so is any bundle with failVerify', async () => {
    const tamperedFile = path.join(fx.dir, 'tampered.flb');
    const bytes = await readFile(fx.bundles.osImage.file);
    bytes[Math.floor(bytes.length * 0.6)]! ^= 0x01;
    await writeFile(tamperedFile, bytes);
    const tampered = await loadArtifact(tamperedFile);
    const agent = await start('tampered');
    const peer = await open(agent);
    const err = await rejectsWith(upload(peer, tampered), 'bundle_refused');
    const checks = (err.data as { checks: { code: string; message: string }[] }).checks;
    assert.ok(
      checks.some((c) => /payload_hash_mismatch|decompression_failed/.test(c.code)),
      JSON.stringify(checks),
    );
    const hex = Buffer.from(tampered.sha256).toString('hex');
    await assert.rejects(access(path.join(agent.stateDir, 'artifacts', `${hex}.flb`)));
    await rejectsWith(peer.request('install', { sha256: tampered.sha256 }), 'unknown_artifact');

    const refusing = await start('fail-verify', { faults: { failVerify: true } });
    const p2 = await open(refusing);
    const refused = await rejectsWith(upload(p2, os), 'bundle_refused');
    assert.equal((refused.data as { checks: { code: string }[] }).checks[0]?.code, 'fault_injected');
  });

  test('no room on the state directory → no_space with free and needed', async () => {
    const agent = await start('full', { artifactReserveBytes: Number.MAX_SAFE_INTEGER / 2 });
    const peer = await open(agent);
    const err = await rejectsWith(begin(peer, os), 'no_space');
    const data = err.data as { free: number; needed: number };
    assert.ok(data.needed > data.free && data.free >= 0);
    assert.match(err.message, /MiB free/);
  });
});
