/**
 * The MLP of model-builder.ts computed in plain TypeScript, independent of onnxruntime.
 *
 * Tests compare onnxruntime's output with this to prove the generated ONNX graph computes what
 * the builder meant (right weight layout, right op order), not merely that it loads.
 * Accumulates in double precision, so it is the more exact of the two.
 */
import type { MlpParameters } from './model-builder.js';

export function mlpReference(p: MlpParameters, input: Float32Array): Float32Array {
  if (input.length % p.inputSize !== 0)
    throw new Error(`the input has ${input.length} values, not a multiple of the input size ${p.inputSize}`);
  const batch = input.length / p.inputSize;
  const out = new Float32Array(batch * p.outputs);
  const hidden = new Float64Array(p.hidden);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < p.hidden; h++) {
      let sum = p.b1[h]!;
      for (let i = 0; i < p.inputSize; i++) sum += input[b * p.inputSize + i]! * p.w1[i * p.hidden + h]!;
      hidden[h] = Math.max(0, sum);
    }
    const row = new Float64Array(p.outputs);
    for (let o = 0; o < p.outputs; o++) {
      let sum = p.b2[o]!;
      for (let h = 0; h < p.hidden; h++) sum += hidden[h]! * p.w2[h * p.outputs + o]!;
      row[o] = sum;
    }
    if (p.softmax) {
      const max = Math.max(...row);
      let total = 0;
      for (let o = 0; o < p.outputs; o++) total += row[o] = Math.exp(row[o]! - max);
      for (let o = 0; o < p.outputs; o++) row[o] = row[o]! / total;
    }
    out.set(row, b * p.outputs);
  }
  return out;
}
