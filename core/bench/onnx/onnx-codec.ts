/**
 * Encode a small ONNX model from plain data, and read back a model's input/output signature.
 *
 * Initialisers are always written as `raw_data` (little-endian), the form onnxruntime reads
 * without copying element by element.
 */
import { z } from 'zod';
import { OnnxModelError } from './model-error.js';
import { ModelProtoType, OnnxAttributeType } from './onnx-schema.js';
import { onnxTypeCode, tensorTypeOf, type TensorSpec, type TensorType } from './tensor-spec.js';

/** IR version 8 (ONNX 1.10+) with opset 17: old enough for every onnxruntime since 1.12. */
export const DEFAULT_IR_VERSION = 8;
export const DEFAULT_OPSET = 17;

export type OnnxAttribute =
  | { readonly kind: 'int'; readonly name: string; readonly value: number }
  | { readonly kind: 'float'; readonly name: string; readonly value: number }
  | { readonly kind: 'ints'; readonly name: string; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly name: string; readonly value: string };

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly OnnxAttribute[];
}

export interface OnnxInitializer {
  readonly name: string;
  readonly type: TensorType;
  readonly dims: readonly number[];
  /** Raw little-endian element bytes. */
  readonly raw: Uint8Array;
}

export interface OnnxModelSpec {
  readonly graphName: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly docString?: string;
  readonly irVersion?: number;
  readonly opset?: number;
  readonly producerVersion?: string;
}

function attributeObject(a: OnnxAttribute): Record<string, unknown> {
  switch (a.kind) {
    case 'int':
      return { name: a.name, type: OnnxAttributeType.INT, i: a.value };
    case 'float':
      return { name: a.name, type: OnnxAttributeType.FLOAT, f: a.value };
    case 'ints':
      return { name: a.name, type: OnnxAttributeType.INTS, ints: [...a.value] };
    case 'string':
      return { name: a.name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(a.value) };
  }
}

function valueInfo(spec: TensorSpec): Record<string, unknown> {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: onnxTypeCode(spec.type),
        shape: { dim: spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function encodeModel(spec: OnnxModelSpec): Uint8Array {
  const model = {
    irVersion: spec.irVersion ?? DEFAULT_IR_VERSION,
    opsetImport: [{ domain: '', version: spec.opset ?? DEFAULT_OPSET }],
    producerName: 'fieldline',
    producerVersion: spec.producerVersion ?? '1',
    docString: spec.docString ?? '',
    graph: {
      name: spec.graphName,
      node: spec.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: (n.attributes ?? []).map(attributeObject),
      })),
      initializer: spec.initializers.map((t) => ({
        name: t.name,
        dataType: onnxTypeCode(t.type),
        dims: [...t.dims],
        rawData: t.raw,
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
  const problem = ModelProtoType.verify(model);
  if (problem) throw new Error(`internal error building an ONNX model: ${problem}`);
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

const dimension = z.object({ dimValue: z.number().int().nonnegative().optional(), dimParam: z.string().optional() });
const valueInfoShape = z.object({
  name: z.string().min(1),
  type: z.object({
    tensorType: z.object({
      elemType: z.number().int(),
      shape: z.object({ dim: z.array(dimension).default([]) }).optional(),
    }),
  }),
});
const decodedModel = z.object({
  irVersion: z.number().int().positive(),
  graph: z.object({
    input: z.array(valueInfoShape).default([]),
    output: z.array(valueInfoShape).min(1),
    initializer: z.array(z.object({ name: z.string() })).default([]),
  }),
});

export interface ModelSignature {
  readonly irVersion: number;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

function toSpec(v: z.infer<typeof valueInfoShape>, where: string): TensorSpec {
  const type = tensorTypeOf(v.type.tensorType.elemType);
  if (!type)
    throw new OnnxModelError(
      'model_unsupported',
      `${where} "${v.name}" has ONNX element type ${v.type.tensorType.elemType}, which Fieldline cannot describe (supported: float32, float16, int8, uint8, int32, int64, bool)`,
    );
  // A dimension with neither value nor name is "unknown": describe it by its position.
  const shape = (v.type.tensorType.shape?.dim ?? []).map((d, i) => d.dimValue ?? d.dimParam ?? `${v.name}_dim${i}`);
  return { name: v.name, type, shape };
}

/**
 * The inputs and outputs a model declares, for a manifest or a benchmark feed.
 * Throws OnnxModelError (`model_unreadable`, `model_unsupported`) for bytes that are not a usable model.
 */
export function readModelSignature(bytes: Uint8Array): ModelSignature {
  let object: unknown;
  try {
    const message = ModelProtoType.decode(bytes);
    object = ModelProtoType.toObject(message, { longs: Number, arrays: true });
  } catch (err) {
    throw new OnnxModelError(
      'model_unreadable',
      `not an ONNX model: the protobuf could not be decoded (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const parsed = decodedModel.safeParse(object);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.join('.') || '(top level)';
    throw new OnnxModelError('model_unreadable', `not an ONNX model: ${at}: ${issue?.message ?? 'invalid'}`);
  }
  const { graph, irVersion } = parsed.data;
  // Before IR 4, initialisers were also listed as graph inputs; they are weights, not feeds.
  const weights = new Set(graph.initializer.map((t) => t.name));
  return {
    irVersion,
    inputs: graph.input.filter((v) => !weights.has(v.name)).map((v) => toSpec(v, 'input')),
    outputs: graph.output.map((v) => toSpec(v, 'output')),
  };
}

/** A classifier's optional last node: Softmax over the last axis from 'logits' to the output. */
export function softmaxHead(softmax: boolean, outputName: string): OnnxNode[] {
  return softmax
    ? [
        {
          name: 'softmax',
          opType: 'Softmax',
          inputs: ['logits'],
          outputs: [outputName],
          attributes: [{ kind: 'int', name: 'axis', value: -1 }],
        },
      ]
    : [];
}
