/**
 * The one error ONNX helpers throw for a model they cannot use, with a reason code.
 *
 *   model_unreadable   the bytes are not an ONNX protobuf at all (corrupt, truncated, wrong file)
 *   model_invalid      it decodes, but onnxruntime refuses the graph (dangling input, bad op, …)
 *   model_unsupported  a valid model using something Fieldline does not describe (e.g. a string tensor)
 *   run_failed         the model loaded but a run failed (wrong feed shape, missing input)
 */
export type OnnxModelReason = 'model_unreadable' | 'model_invalid' | 'model_unsupported' | 'run_failed';

export class OnnxModelError extends Error {
  constructor(
    readonly code: OnnxModelReason,
    message: string,
  ) {
    super(message);
    this.name = 'OnnxModelError';
  }
}

/** The first line of an onnxruntime message, which is the useful part. */
export function runtimeMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]?.trim() || 'no detail given';
}
