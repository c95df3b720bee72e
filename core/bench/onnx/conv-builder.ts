/**
 * A small deterministic convolutional classifier for the demo and the benchmarks.
 *
 * Conv(3×3, same padding) + Relu + GlobalAveragePool + Flatten + Gemm (+ Softmax): the shape of
 * an image model (NCHW input, spatial kernels, pooling) at a size that runs in well under a
 * millisecond, so it exercises different onnxruntime kernels than the MLP. Weights come from a
 * seeded PRNG: the same options always give byte-identical model files.
 */
import { encodeModel, softmaxHead, type OnnxNode } from './onnx-codec.js';
import { seededRandom } from './seeded-random.js';
import { tensorToBytes, type TensorSpec } from './tensor-spec.js';

export interface ConvOptions {
  /** Input channels, height and width (NCHW, batch 1). */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Convolution filters (feature maps). */
  readonly filters: number;
  readonly classes: number;
  readonly seed: number;
  readonly softmax?: boolean;
  readonly name?: string;
}

export interface BuiltConvModel {
  readonly bytes: Uint8Array;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

const KERNEL = 3;

function checkDim(label: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`${label} must be a whole number from 1 to ${max}, not ${value}`);
}

export function buildConv(options: ConvOptions): BuiltConvModel {
  checkDim('channels', options.channels, 64);
  checkDim('height', options.height, 1024);
  checkDim('width', options.width, 1024);
  checkDim('filters', options.filters, 256);
  checkDim('classes', options.classes, 4096);
  const { channels, height, width, filters, classes } = options;
  const softmax = options.softmax ?? false;
  const random = seededRandom(options.seed);
  // Fan-in scaling keeps activations near 1, so golden tolerances hold whatever the sizes.
  const sConv = 1 / Math.sqrt(channels * KERNEL * KERNEL);
  const sFc = 1 / Math.sqrt(filters);
  const convW = random.float32Array(filters * channels * KERNEL * KERNEL, -sConv, sConv);
  const convB = random.float32Array(filters, -0.1, 0.1);
  const fcW = random.float32Array(filters * classes, -sFc, sFc);
  const fcB = random.float32Array(classes, -0.1, 0.1);

  const outputName = softmax ? 'probabilities' : 'logits';
  const inputs: TensorSpec[] = [{ name: 'image', type: 'float32', shape: [1, channels, height, width] }];
  const outputs: TensorSpec[] = [{ name: outputName, type: 'float32', shape: [1, classes] }];
  const nodes: OnnxNode[] = [
    {
      name: 'conv',
      opType: 'Conv',
      inputs: ['image', 'conv_w', 'conv_b'],
      outputs: ['conv_out'],
      attributes: [
        { kind: 'ints', name: 'kernel_shape', value: [KERNEL, KERNEL] },
        { kind: 'ints', name: 'pads', value: [1, 1, 1, 1] },
      ],
    },
    { name: 'relu', opType: 'Relu', inputs: ['conv_out'], outputs: ['features'] },
    { name: 'pool', opType: 'GlobalAveragePool', inputs: ['features'], outputs: ['pooled'] },
    { name: 'flatten', opType: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: [{ kind: 'int', name: 'axis', value: 1 }] },
    { name: 'fc', opType: 'Gemm', inputs: ['flat', 'fc_w', 'fc_b'], outputs: [softmax ? 'logits' : outputName] },
    ...softmaxHead(softmax, outputName),
  ];
  const bytes = encodeModel({
    graphName: options.name ?? `conv_${channels}x${height}x${width}_${filters}f_${classes}c`,
    docString: `Fieldline demo CNN: ${channels}×${height}×${width} → Conv3×3(${filters}) → Relu → GAP → Gemm(${classes})${softmax ? ' → Softmax' : ''}, seed ${options.seed}`,
    nodes,
    initializers: [
      { name: 'conv_w', type: 'float32', dims: [filters, channels, KERNEL, KERNEL], raw: tensorToBytes(convW) },
      { name: 'conv_b', type: 'float32', dims: [filters], raw: tensorToBytes(convB) },
      { name: 'fc_w', type: 'float32', dims: [filters, classes], raw: tensorToBytes(fcW) },
      { name: 'fc_b', type: 'float32', dims: [classes], raw: tensorToBytes(fcB) },
    ],
    inputs,
    outputs,
  });
  return { bytes, inputs, outputs };
}
