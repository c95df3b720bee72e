/**
 * Transfer rate and time left, from the device-held byte count over a sliding time span.
 *
 * A span of a few seconds smooths the bursts a window of large chunks makes, yet follows a link
 * that changes speed (a throttled serial line, Wi-Fi).
 */
export interface RateSample {
  /** Bytes per second over the span; 0 until two samples exist. */
  readonly rateBps: number;
  /** Seconds until `total` at that rate; null while the rate is unknown. */
  readonly etaSeconds: number | null;
}

export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly spanMs = 3000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  sample(bytes: number, total: number): RateSample {
    const at = this.now();
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.spanMs) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = (at - first.at) / 1000;
    const rateBps = elapsed > 0 ? Math.max(0, (bytes - first.bytes) / elapsed) : 0;
    const left = Math.max(0, total - bytes);
    return { rateBps, etaSeconds: left === 0 ? 0 : rateBps > 0 ? left / rateBps : null };
  }
}
