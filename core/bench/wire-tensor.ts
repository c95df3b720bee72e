/**
 * WireTensor ↔ onnxruntime Tensor, shared by the agent (`infer`) and the engine (diagnostics).
 *
 * On the wire a tensor is `{type, shape, data}` with `data` the raw little-endian values
 * (protocol.md §6, BENCH-DESIGN.md). Every check a peer's tensor needs — known type, whole
 * dimensions, byte length = product(shape) × element size — happens here, so both ends refuse
 * the same things with the same words.
 */
import { endianness } from 'node:os';
import ort from 'onnxruntime-node';
import { z } from 'zod';

export const WIRE_TENSOR_TYPES = ['float32', 'float64', 'int32', 'int64', 'uint8', 'int8', 'bool'] as const;
export type WireTensorType = (typeof WIRE_TENSOR_TYPES)[number];

export interface WireTensor {
  readonly type: WireTensorType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export const WIRE_ELEMENT_BYTES: Readonly<Record<WireTensorType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  int8: 1,
  bool: 1,
};

/** A dimension larger than this is a mistake, not a tensor (and keeps products exact in a double). */
const MAX_DIM = 2 ** 31 - 1;
const MAX_RANK = 16;

export const wireTensorSchema = z.object({
  type: z.string(),
  shape: z.array(z.number().int().min(0).max(MAX_DIM)).max(MAX_RANK),
  data: z.instanceof(Uint8Array),
});

/** Why a tensor from the wire is not usable, for the caller to map onto its error code. */
export class WireTensorError extends Error {
  constructor(
    readonly reason: 'type' | 'size',
    message: string,
  ) {
    super(message);
    this.name = 'WireTensorError';
  }
}

export function isWireTensorType(type: string): type is WireTensorType {
  return (WIRE_TENSOR_TYPES as readonly string[]).includes(type);
}

export function elementCountOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/** Copies `bytes` into a fresh, aligned buffer, swapping each element's bytes on a big-endian host. */
function alignedCopy(bytes: Uint8Array, elementBytes: number): ArrayBuffer {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  if (!HOST_LITTLE_ENDIAN && elementBytes > 1)
    for (let i = 0; i < out.length; i += elementBytes) out.subarray(i, i + elementBytes).reverse();
  return out.buffer;
}

type OrtTensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

function typedView(type: WireTensorType, buffer: ArrayBuffer): OrtTensorData {
  switch (type) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
  }
}

/** Checks a peer's tensor and makes the onnxruntime Tensor of it. Throws WireTensorError. */
export function wireToOrt(
  tensor: { readonly type: string; readonly shape: readonly number[]; readonly data: Uint8Array },
  label = 'tensor',
): ort.Tensor {
  if (!isWireTensorType(tensor.type))
    throw new WireTensorError('type', `${label} has type "${tensor.type}"; a tensor's type is one of ${WIRE_TENSOR_TYPES.join(', ')}`);
  const size = WIRE_ELEMENT_BYTES[tensor.type];
  const count = elementCountOf(tensor.shape);
  const expected = count * size;
  if (tensor.data.length !== expected)
    throw new WireTensorError(
      'size',
      `${label} is ${tensor.type} of shape [${tensor.shape.join(', ')}], so its data must be ${count} × ${size} = ${expected} bytes, not ${tensor.data.length}`,
    );
  return new ort.Tensor(tensor.type, typedView(tensor.type, alignedCopy(tensor.data, size)), [...tensor.shape]);
}

/** An onnxruntime Tensor as raw little-endian bytes; throws WireTensorError for types the wire has no name for. */
export function ortToWire(tensor: ort.Tensor, label = 'tensor'): WireTensor {
  const type = tensor.type;
  if (!isWireTensorType(type))
    throw new WireTensorError('type', `${label} is ${type}, which FGP cannot carry (it carries ${WIRE_TENSOR_TYPES.join(', ')})`);
  const data = tensor.data;
  if (!ArrayBuffer.isView(data)) throw new WireTensorError('type', `${label} holds no numeric data`);
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // A plain Uint8Array copy: cbor2 would encode a Buffer (or a view of a native buffer) badly.
  const bytes = new Uint8Array(alignedCopy(view, WIRE_ELEMENT_BYTES[type]));
  return { type, shape: tensor.dims.map(Number), data: bytes };
}

/** Wire size of a tensor's values, for frame-limit checks before encoding. */
export function wireDataBytes(type: WireTensorType, shape: readonly number[]): number {
  return elementCountOf(shape) * WIRE_ELEMENT_BYTES[type];
}
