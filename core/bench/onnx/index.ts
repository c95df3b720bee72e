/**
 * ONNX models from TypeScript: build, describe, run, and make golden cases for model bundles.
 */
export { buildMlp, type BuiltModel, type MlpOptions, type MlpParameters } from './model-builder.js';
export { mlpReference } from './mlp-reference.js';
export {
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET,
  encodeModel,
  readModelSignature,
  type ModelSignature,
  type OnnxAttribute,
  type OnnxInitializer,
  type OnnxModelSpec,
  type OnnxNode,
} from './onnx-codec.js';
export { OnnxModelError, type OnnxModelReason } from './model-error.js';
export { loadModel, runFloat32, type Float32Feeds, type Float32Output, type LoadedModel, type OnnxSession } from './onnx-session.js';
export {
  bytesToFloat32,
  compareTensor,
  DEFAULT_TOLERANCE,
  goldenPayloads,
  makeGoldenCases,
  tensorToBytes,
  type GoldenCaseEntry,
  type GoldenOptions,
  type GoldenPayloads,
  type GoldenTensor,
  type GoldenTensorCase,
  type GoldenTensorRef,
  type GoldenTolerance,
  type TensorComparison,
} from './golden.js';
export { seededRandom, type SeededRandom } from './seeded-random.js';
export { concreteShape, elementCount, ELEMENT_BYTES, TENSOR_TYPES, type TensorSpec, type TensorType } from './tensor-spec.js';
