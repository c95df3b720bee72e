/**
 * The body of `infer` (agent/methods/infer.ts), loaded on first use so an agent that never runs a
 * model never loads onnxruntime.
 */
import type ort from 'onnxruntime-node';
import type { TensorSpec } from '../../core/bench/onnx/tensor-spec.js';
import {
  elementCountOf,
  isWireTensorType,
  ortToWire,
  WireTensorError,
  wireDataBytes,
  wireToOrt,
  type WireTensor,
} from '../../core/bench/wire-tensor.js';
import { FgpError } from '../../core/protocol/errors.js';
import { loadForRun } from './bench-run.js';
import { locateInstalledModel, readLocatedModel, type ModelRef } from './installed-model.js';
import { inferSessions } from './session-cache.js';

export interface InferRequest {
  readonly model: ModelRef;
  readonly inputs: Readonly<Record<string, { readonly type: string; readonly shape: readonly number[]; readonly data: Uint8Array }>>;
}

/** Bytes of an `infer` answer besides the tensors' values: envelope, names, shapes, latency. */
const ANSWER_OVERHEAD = 256;

const shapeText = (shape: readonly (number | string)[]): string => `[${shape.join(', ')}]`;

/** Checks one input against the model's spec; the tensor's own consistency is wireToOrt's job. */
function checkInput(
  name: string,
  tensor: { readonly type: string; readonly shape: readonly number[]; readonly data: Uint8Array },
  spec: TensorSpec,
  maxFrame: number,
): ort.Tensor {
  if (!isWireTensorType(tensor.type) || tensor.type !== spec.type)
    throw new FgpError('input_type', `input "${name}" must be ${spec.type}, not ${tensor.type}`, {
      input: name,
      expected: spec.type,
      got: tensor.type,
    });
  const bytes = wireDataBytes(tensor.type, tensor.shape);
  if (bytes > maxFrame)
    throw new FgpError(
      'tensor_too_large',
      `input "${name}" of shape ${shapeText(tensor.shape)} would be ${bytes} bytes, more than this session's ${maxFrame}-byte frame`,
      { input: name, bytes, maxFrame },
    );
  const fits = tensor.shape.length === spec.shape.length && spec.shape.every((d, i) => typeof d !== 'number' || d === tensor.shape[i]);
  if (!fits)
    throw new FgpError('input_shape', `input "${name}" must have shape ${shapeText(spec.shape)}, not ${shapeText(tensor.shape)}`, {
      input: name,
      expected: [...spec.shape],
      got: [...tensor.shape],
    });
  try {
    return wireToOrt(tensor, `input "${name}"`);
  } catch (err) {
    if (err instanceof WireTensorError)
      throw new FgpError(err.reason === 'type' ? 'input_type' : 'input_shape', err.message, { input: name });
    throw err;
  }
}

export async function runInfer(
  stateDir: string,
  params: InferRequest,
  maxFrame: number,
): Promise<{ outputs: Record<string, WireTensor>; latencyUs: number }> {
  const located = await locateInstalledModel(stateDir, params.model);
  const { entry } = located;
  const label = `model "${entry.name}" ${entry.version}`;
  // The cache owns the session (released on eviction or shutdown), so nothing here releases it.
  const loaded = await inferSessions(stateDir).session(located, async () => loadForRun(await readLocatedModel(located), {}, label));
  const specs = loaded.signature.inputs;
  const expected = specs.map((s) => `"${s.name}" ${s.type} ${shapeText(s.shape)}`).join(', ');
  const given = Object.keys(params.inputs);
  const unknown = given.filter((n) => !specs.some((s) => s.name === n));
  if (unknown.length)
    throw new FgpError('input_unknown', `${label} has no input ${unknown.map((n) => `"${n}"`).join(', ')}; its inputs are ${expected}`, {
      unknown,
      expected: specs.map((s) => s.name),
    });
  const missing = specs.filter((s) => !given.includes(s.name));
  if (missing.length)
    throw new FgpError(
      'input_unknown',
      `${label} needs input ${missing.map((s) => `"${s.name}"`).join(', ')} too; its inputs are ${expected}`,
      {
        missing: missing.map((s) => s.name),
        expected: specs.map((s) => s.name),
      },
    );
  const feeds: Record<string, ort.Tensor> = {};
  for (const spec of specs) feeds[spec.name] = checkInput(spec.name, params.inputs[spec.name]!, spec, maxFrame);

  const t0 = process.hrtime.bigint();
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await loaded.session.run(feeds);
  } catch (err) {
    throw new FgpError('model_load_failed', `${label} failed to run on these inputs: ${(err as Error).message.split('\n')[0]}`);
  }
  const latencyUs = Number(process.hrtime.bigint() - t0) / 1000;

  const outputs: Record<string, WireTensor> = {};
  let total = ANSWER_OVERHEAD;
  for (const [name, tensor] of Object.entries(results)) {
    total +=
      64 +
      name.length +
      (isWireTensorType(tensor.type) ? wireDataBytes(tensor.type, tensor.dims.map(Number)) : elementCountOf(tensor.dims.map(Number)));
    if (total > maxFrame)
      throw new FgpError(
        'tensor_too_large',
        `the outputs of ${label} come to more than this session's ${maxFrame}-byte frame (output "${name}" has shape ${shapeText(tensor.dims.map(Number))}); send a smaller batch or offer a larger maxFrame in hello`,
        { maxFrame: maxFrame },
      );
    try {
      outputs[name] = ortToWire(tensor, `output "${name}"`);
    } catch (err) {
      if (err instanceof WireTensorError) throw new FgpError('internal', `${label}: ${err.message}`);
      throw err;
    }
  }
  return { outputs, latencyUs };
}
