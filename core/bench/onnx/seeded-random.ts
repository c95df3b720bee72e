/**
 * A small seeded PRNG (mulberry32) for model weights and golden inputs.
 *
 * Deterministic across platforms and Node versions (32-bit integer arithmetic only), so the same
 * seed gives the same model bytes, the same bundle hash and the same golden tensors everywhere.
 * Not for anything secret.
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** `count` float32 values uniform in [min, max). */
  float32Array(count: number, min: number, max: number): Float32Array;
}

export function seededRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed)) throw new Error(`a seed must be an integer, not ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const uniform = (min: number, max: number): number => min + (max - min) * next();
  return {
    next,
    uniform,
    float32Array(count: number, min: number, max: number): Float32Array {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = uniform(min, max);
      return out;
    },
  };
}
