/**
 * Load and run ONNX models with onnxruntime-node, turning its errors into OnnxModelError.
 *
 * Models are always loaded from bytes already in memory (the verified bundle payload), never
 * from a path, so what runs is exactly what was hashed.
 */
import ort from 'onnxruntime-node';
import { OnnxModelError, runtimeMessage } from './model-error.js';
import { readModelSignature, type ModelSignature } from './onnx-codec.js';

export type OnnxSession = ort.InferenceSession;

export interface LoadedModel {
  readonly session: OnnxSession;
  readonly signature: ModelSignature;
}

/**
 * Decodes the model (so corrupt bytes get a protobuf-level explanation), then lets onnxruntime
 * check the graph. Throws OnnxModelError; the caller owns `session.release()`.
 */
export async function loadModel(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions = {}): Promise<LoadedModel> {
  if (bytes.length === 0) throw new OnnxModelError('model_unreadable', 'not an ONNX model: the file is empty');
  const signature = readModelSignature(bytes);
  try {
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, ...options });
    return { session, signature };
  } catch (err) {
    throw new OnnxModelError('model_invalid', `onnxruntime refused the model: ${runtimeMessage(err)}`);
  }
}

export type Float32Feeds = Readonly<Record<string, { readonly data: Float32Array; readonly shape: readonly number[] }>>;

export interface Float32Output {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** One run with float32 feeds; returns every output as float32 (the only type the MLPs produce). */
export async function runFloat32(session: OnnxSession, feeds: Float32Feeds): Promise<Record<string, Float32Output>> {
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(feeds)) tensors[name] = new ort.Tensor('float32', feed.data, [...feed.shape]);
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await session.run(tensors);
  } catch (err) {
    throw new OnnxModelError('run_failed', `the model run failed: ${runtimeMessage(err)}`);
  }
  const out: Record<string, Float32Output> = {};
  for (const [name, tensor] of Object.entries(results)) {
    if (tensor.type !== 'float32' || !(tensor.data instanceof Float32Array))
      throw new OnnxModelError('model_unsupported', `output "${name}" is ${tensor.type}, expected float32`);
    out[name] = { data: tensor.data, shape: [...tensor.dims] };
  }
  return out;
}
