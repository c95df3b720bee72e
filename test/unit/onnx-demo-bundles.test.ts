import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { demoTrustPolicy } from '../../agent/bundle-trust.js';
import { EMULATED_MODELS } from '../../agent/emulate.js';
import { bytesToFloat32, compareTensor, loadModel, runFloat32 } from '../../core/bench/onnx/index.js';
import { openPayloadStream, verifyBundle } from '../../core/bundle/index.js';
import { makeDemoBundles, type DemoBundleSet } from '../../cli/demo-bundles.js';

let dir: string;
let set: DemoBundleSet;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fieldline-demo-bundles-'));
  set = await makeDemoBundles(dir);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function payload(file: string, manifestPath: string): Promise<Uint8Array> {
  const entry = set.model.manifest.payloads.find((p) => p.path === manifestPath);
  assert.ok(entry, `${manifestPath} is listed`);
  const stream: Readable = openPayloadStream(file, manifestPath, { size: entry.size, sha256: entry.sha256 });
  return new Uint8Array(await buffer(stream));
}

describe('demo bundles', () => {
  test('every demo bundle verifies against the demo trust roots; nothing else is left behind', async () => {
    const policy = demoTrustPolicy(Date.now());
    for (const b of [set.osImage, set.model, set.conv, set.wrongModel]) {
      const report = await verifyBundle(b.file, policy);
      assert.equal(report.ok, true, `${b.file}: ${report.firstFailure?.message}`);
      assert.equal(report.signers.filter((s) => s.counted).length, 1);
    }
    assert.deepEqual((await readdir(dir)).sort(), [
      'fieldline-demo-classifier-1.0.0-wrong.flb',
      'fieldline-demo-classifier-1.0.0.flb',
      'fieldline-demo-cnn-1.0.0.flb',
      'fieldline-demo-os-1.0.0.flb',
    ]);
  });

  test('the OS image is a gzip payload of a few MiB for every emulated gateway model', () => {
    const m = set.osImage.manifest;
    assert.equal(m.kind, 'os-image');
    assert.deepEqual(
      m.hardware.map((h) => h.model),
      EMULATED_MODELS.map((e) => e.model),
    );
    const [rootfs] = m.payloads;
    assert.equal(rootfs?.compression, 'gzip');
    assert.equal(rootfs?.uncompressed?.size, 4 * 1024 * 1024);
    assert.ok(rootfs && rootfs.size < rootfs.uncompressed!.size, 'compressed smaller than the image');
  });

  test('the model bundle carries the ONNX model, golden cases that re-run within tolerance, and a baseline per hardware class', async () => {
    const m = set.model.manifest;
    assert.equal(m.kind, 'model');
    assert.ok(m.model);
    assert.deepEqual(m.model.inputs, [{ name: 'input', type: 'float32', shape: [1, 64] }]);
    assert.deepEqual(m.model.outputs, [{ name: 'probabilities', type: 'float32', shape: [1, 10] }]);
    assert.deepEqual(
      m.model.baselines.map((b) => b.hardwareClass),
      EMULATED_MODELS.map((e) => e.model),
    );
    assert.equal(m.model.golden.length, 3);
    const { session } = await loadModel(await payload(set.model.file, 'model.onnx'));
    try {
      for (const g of m.model.golden) {
        const input = g.inputs.input;
        const expected = g.expected.probabilities;
        assert.ok(input && expected);
        const out = await runFloat32(session, {
          input: { data: bytesToFloat32(await payload(set.model.file, input.path)), shape: input.shape },
        });
        const comparison = compareTensor(
          out.probabilities!.data,
          bytesToFloat32(await payload(set.model.file, expected.path)),
          g.tolerance,
        );
        assert.ok(comparison.ok, `${g.name}: ${comparison.message}`);
      }
    } finally {
      await session.release();
    }
  });
});
