/**
 * Small deterministic ONNX models for the demo bundle, the tests and the benchmarks.
 *
 * `buildMlp` makes a two-layer perceptron, MatMul+Add+Relu+MatMul+Add (+ Softmax), with weights
 * from a seeded PRNG: the same options always give byte-identical model files, so a model bundle
 * built twice has the same hash and its golden outputs stay valid.
 */
import { encodeModel, softmaxHead, type OnnxNode } from './onnx-codec.js';
import { seededRandom } from './seeded-random.js';
import { tensorToBytes, type TensorSpec } from './tensor-spec.js';

export interface MlpOptions {
  readonly inputSize: number;
  readonly hidden: number;
  readonly outputs: number;
  readonly seed: number;
  /** Append a Softmax, so the output is probabilities rather than logits. */
  readonly softmax?: boolean;
  /** Batch dimension: a number, or a name for a batch size chosen at run time. Default 1. */
  readonly batch?: number | string;
  readonly name?: string;
}

/** The weights, kept so a plain-TypeScript reference can compute the same function. */
export interface MlpParameters {
  readonly inputSize: number;
  readonly hidden: number;
  readonly outputs: number;
  readonly softmax: boolean;
  /** [inputSize, hidden], row-major. */
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  /** [hidden, outputs], row-major. */
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

export interface BuiltModel {
  readonly bytes: Uint8Array;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly parameters: MlpParameters;
}

const MAX_DIM = 1 << 14;

function checkDim(label: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIM)
    throw new Error(`${label} must be a whole number from 1 to ${MAX_DIM}, not ${value}`);
}

export function buildMlp(options: MlpOptions): BuiltModel {
  checkDim('inputSize', options.inputSize);
  checkDim('hidden', options.hidden);
  checkDim('outputs', options.outputs);
  const batch = options.batch ?? 1;
  if (typeof batch === 'number') checkDim('batch', batch);
  else if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(batch))
    throw new Error(`a symbolic batch dimension is an identifier such as "batch", not "${batch}"`);

  const { inputSize, hidden, outputs } = options;
  const softmax = options.softmax ?? false;
  const random = seededRandom(options.seed);
  // Glorot-style scale keeps activations near 1 whatever the layer sizes, so tolerances hold.
  const s1 = 1 / Math.sqrt(inputSize);
  const s2 = 1 / Math.sqrt(hidden);
  const parameters: MlpParameters = {
    inputSize,
    hidden,
    outputs,
    softmax,
    w1: random.float32Array(inputSize * hidden, -s1, s1),
    b1: random.float32Array(hidden, -0.1, 0.1),
    w2: random.float32Array(hidden * outputs, -s2, s2),
    b2: random.float32Array(outputs, -0.1, 0.1),
  };

  const outputName = softmax ? 'probabilities' : 'logits';
  const inputs: TensorSpec[] = [{ name: 'input', type: 'float32', shape: [batch, inputSize] }];
  const outputSpecs: TensorSpec[] = [{ name: outputName, type: 'float32', shape: [batch, outputs] }];
  const nodes: OnnxNode[] = [
    { name: 'fc1', opType: 'MatMul', inputs: ['input', 'w1'], outputs: ['fc1_out'] },
    { name: 'fc1_bias', opType: 'Add', inputs: ['fc1_out', 'b1'], outputs: ['fc1_biased'] },
    { name: 'relu', opType: 'Relu', inputs: ['fc1_biased'], outputs: ['hidden'] },
    { name: 'fc2', opType: 'MatMul', inputs: ['hidden', 'w2'], outputs: ['fc2_out'] },
    { name: 'fc2_bias', opType: 'Add', inputs: ['fc2_out', 'b2'], outputs: [softmax ? 'logits' : outputName] },
    ...softmaxHead(softmax, outputName),
  ];
  const bytes = encodeModel({
    graphName: options.name ?? `mlp_${inputSize}x${hidden}x${outputs}`,
    docString: `Fieldline demo MLP ${inputSize}→${hidden}→${outputs}${softmax ? ' (softmax)' : ''}, seed ${options.seed}`,
    nodes,
    initializers: [
      { name: 'w1', type: 'float32', dims: [inputSize, hidden], raw: tensorToBytes(parameters.w1) },
      { name: 'b1', type: 'float32', dims: [hidden], raw: tensorToBytes(parameters.b1) },
      { name: 'w2', type: 'float32', dims: [hidden, outputs], raw: tensorToBytes(parameters.w2) },
      { name: 'b2', type: 'float32', dims: [outputs], raw: tensorToBytes(parameters.b2) },
    ],
    inputs,
    outputs: outputSpecs,
  });
  return { bytes, inputs, outputs: outputSpecs, parameters };
}
