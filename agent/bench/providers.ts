/**
 * The execution providers this gateway really has: onnxruntime-node lists the backends it was
 * built with, but a bundled one (WebGPU) still needs a device and a listed one (CUDA) an add-on
 * library. Each is probed once by loading a model with it alone; the answer is cached per process.
 */
import ort from 'onnxruntime-node';
import { buildMlp } from '../../core/bench/onnx/model-builder.js';
import { FgpError } from '../../core/protocol/errors.js';

let probed: Promise<readonly string[]> | null = null;

async function probe(): Promise<readonly string[]> {
  const model = buildMlp({ inputSize: 2, hidden: 2, outputs: 2, seed: 1 }).bytes;
  const found: string[] = [];
  for (const backend of ort.listSupportedBackends()) {
    // An add-on that is not installed cannot load; trying only prints native errors.
    if (!backend.bundled) continue;
    try {
      const session = await ort.InferenceSession.create(model, { executionProviders: [backend.name], logSeverityLevel: 4 });
      await session.release();
      found.push(backend.name);
    } catch {
      // Not usable here (no adapter, no driver): not one of this gateway's providers.
    }
  }
  return found.includes('cpu') ? found : ['cpu', ...found];
}

export function availableProviders(): Promise<readonly string[]> {
  probed ??= probe();
  return probed;
}

/** The provider to run with: the requested one if this gateway has it, else a clear refusal. */
export async function chooseProvider(requested: string | undefined): Promise<{ provider: string; providers: readonly string[] }> {
  const providers = await availableProviders();
  const provider = (requested ?? 'cpu').toLowerCase();
  if (!providers.includes(provider))
    throw new FgpError(
      'provider_unavailable',
      `execution provider "${requested}" is not available on this gateway; it has ${providers.join(', ')}`,
      { providers: [...providers] },
    );
  return { provider, providers };
}
