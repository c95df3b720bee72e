/**
 * Runs a model's golden cases on the gateway: load the installed model file, feed each case's
 * inputs, compare with the expected outputs under the case's tolerance. A model that loads but
 * computes the wrong thing fails here, before it is made active (install) or kept (trial boot).
 */
import { readFile } from 'node:fs/promises';
import type { Manifest } from '../../core/bundle/manifest.js';
import { inside } from './payload-writer.js';

export interface ModelCheck {
  readonly ok: boolean;
  readonly message: string;
}

/** `filesDir` holds the bundle's payloads under their bundle paths. */
export async function checkModel(filesDir: string, manifest: Manifest): Promise<ModelCheck> {
  const modelPayload = manifest.payloads.find((p) => p.target === 'model');
  if (!modelPayload) return { ok: false, message: `model "${manifest.name}" has no payload with target "model"` };
  // onnxruntime is loaded only on gateways that have a model to check.
  const onnx = await import('../../core/bench/onnx/index.js');
  let loaded;
  try {
    loaded = await onnx.loadModel(new Uint8Array(await readFile(inside(filesDir, modelPayload.path))));
  } catch (err) {
    return { ok: false, message: `model "${manifest.name}" ${manifest.version} does not load: ${(err as Error).message}` };
  }
  try {
    const cases = manifest.model?.golden ?? [];
    for (const c of cases) {
      const feeds: Record<string, { data: Float32Array; shape: number[] }> = {};
      for (const [name, ref] of Object.entries(c.inputs)) {
        if (ref.type !== 'float32')
          return { ok: false, message: `golden case ${c.name}: input "${name}" is ${ref.type}; only float32 is checked` };
        feeds[name] = {
          data: onnx.bytesToFloat32(new Uint8Array(await readFile(inside(filesDir, ref.path)))),
          shape: ref.shape.map(Number),
        };
      }
      const outputs = await onnx.runFloat32(loaded.session, feeds);
      for (const [name, ref] of Object.entries(c.expected)) {
        const actual = outputs[name];
        if (!actual) return { ok: false, message: `golden case ${c.name}: the model has no output "${name}"` };
        const expected = onnx.bytesToFloat32(new Uint8Array(await readFile(inside(filesDir, ref.path))));
        const cmp = onnx.compareTensor(actual.data, expected, c.tolerance);
        if (!cmp.ok) return { ok: false, message: `golden case ${c.name}, output "${name}": ${cmp.message}` };
      }
    }
    return { ok: true, message: `model "${manifest.name}" ${manifest.version} loads and passes ${cases.length} golden case(s)` };
  } catch (err) {
    return { ok: false, message: `model "${manifest.name}" ${manifest.version} failed to run: ${(err as Error).message}` };
  } finally {
    await loaded.session.release();
  }
}
