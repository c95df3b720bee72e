/**
 * Tensor descriptions shared by the model builder, the golden cases and model bundle manifests.
 *
 * `TensorSpec` has exactly the shape of the manifest's TensorSpec (docs: notes/BUNDLE-DESIGN.md),
 * so a model's inputs and outputs can be copied into a manifest unchanged. A string dimension is
 * symbolic (a batch size chosen at run time).
 */
import { OnnxDataType, type OnnxDataTypeCode } from './onnx-schema.js';

export const TENSOR_TYPES = ['float32', 'float16', 'int8', 'uint8', 'int32', 'int64', 'bool'] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

export interface TensorSpec {
  readonly name: string;
  readonly type: TensorType;
  readonly shape: readonly (number | string)[];
}

const CODE_OF: Readonly<Record<TensorType, OnnxDataTypeCode>> = {
  float32: OnnxDataType.FLOAT,
  float16: OnnxDataType.FLOAT16,
  int8: OnnxDataType.INT8,
  uint8: OnnxDataType.UINT8,
  int32: OnnxDataType.INT32,
  int64: OnnxDataType.INT64,
  bool: OnnxDataType.BOOL,
};

export function onnxTypeCode(type: TensorType): OnnxDataTypeCode {
  return CODE_OF[type];
}

/** The TensorType of an ONNX element type code, or null for types Fieldline does not describe. */
export function tensorTypeOf(code: number): TensorType | null {
  const found = TENSOR_TYPES.find((t) => CODE_OF[t] === code);
  return found ?? null;
}

/** Bytes per element as stored raw (little-endian). */
export const ELEMENT_BYTES: Readonly<Record<TensorType, number>> = {
  float32: 4,
  float16: 2,
  int8: 1,
  uint8: 1,
  int32: 4,
  int64: 8,
  bool: 1,
};

/** The element count of a shape, with every symbolic dimension taken as `symbolic` (default 1). */
export function elementCount(shape: readonly (number | string)[], symbolic = 1): number {
  return shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : symbolic), 1);
}

/** A shape with its symbolic dimensions fixed, as a run needs it. */
export function concreteShape(shape: readonly (number | string)[], symbolic = 1): number[] {
  return shape.map((d) => (typeof d === 'number' ? d : symbolic));
}

/** Float32 values as raw little-endian bytes, whatever the host's byte order. */
export function tensorToBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}
