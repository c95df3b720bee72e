/**
 * `infer`: named input tensors → the model's output tensors, types and shapes as the model
 * makes them (protocol.md §6.18). Diagnostics send the bundle's golden inputs here and compare
 * with a local run, so every refusal names what was expected and what came.
 */
import { z } from 'zod';
import { modelRefSchema } from '../bench/installed-model.js';
import { runRegistry } from '../bench/run-registry.js';
import { defineMethod } from '../method.js';

/** WireTensor (BENCH-DESIGN.md); the type is checked against the model, with its own error code. */
const wireTensor = z.object({
  type: z.string().max(16),
  shape: z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1),
    )
    .max(16),
  data: z.instanceof(Uint8Array),
});

export const infer = defineMethod(
  'auth',
  z.object({ model: modelRefSchema, inputs: z.record(z.string().max(255), wireTensor) }),
  async ({ params, agent, session }) => {
    const registry = runRegistry(agent);
    registry.acquire('an inference', false);
    try {
      const { runInfer } = await import('../bench/infer-run.js');
      return await runInfer(agent.stateDir, params, session.maxFrame);
    } finally {
      registry.release(null);
    }
  },
);
