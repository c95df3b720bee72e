/**
 * A simulated UART: two socat pty pairs joined by a relay that paces both directions to a baud
 * rate (10 bits per byte: start, 8 data, stop), for serial tests and the serial flash benchmark.
 *
 *   app ⇄ appPath ═ socat ═ relay A ⇄ [paced relay] ⇄ relay B ═ socat ═ agentPath ⇄ agent
 *
 * Ptys on their own move bytes as fast as the kernel can; a real 921600-baud line moves 92160
 * bytes per second. Every byte is handed on only once the line would have finished sending it.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../../agent/socat-pty.js';
import { closeSerial, openSerial } from '../../core/transport/serial.js';

export interface UartRelayOptions {
  /** Where the pty links are made (a test's temp directory). */
  readonly dir: string;
  readonly baud: number;
  /** Prefix for the link names, so several relays can share a directory. */
  readonly name?: string;
}

export interface UartRelay {
  /** The end the app (or `sz`) opens. */
  readonly appPath: string;
  /** The end the agent (or `rz`) opens. */
  readonly agentPath: string;
  readonly baud: number;
  /** Bytes relayed app → agent and agent → app. */
  stats(): { readonly toAgent: number; readonly toApp: number };
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One direction of the line: bytes leave at the line rate, in slices of about 2 ms of line time. */
class PacedPipe {
  private readonly queue: Buffer[] = [];
  private freeAt = 0;
  private running = false;
  private closed = false;
  moved = 0;

  constructor(
    private readonly out: SerialPort,
    private readonly bytesPerMs: number,
  ) {}

  push(chunk: Buffer): void {
    if (this.closed) return;
    this.queue.push(chunk);
    if (!this.running) {
      // An idle line saves no credit: the first byte starts now.
      this.freeAt = Math.max(this.freeAt, performance.now());
      void this.run();
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    const slice = Math.max(1, Math.round(this.bytesPerMs * 2));
    while (this.queue.length && !this.closed) {
      const head = this.queue[0]!;
      const part = head.subarray(0, slice);
      if (part.length === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(slice);
      // Planned time, not the time the timer really fired: an overslept timer is caught up on.
      this.freeAt += part.length / this.bytesPerMs;
      const wait = this.freeAt - performance.now();
      if (wait >= 1) await sleep(wait);
      if (this.closed) break;
      this.moved += part.length;
      if (!this.out.write(part)) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
    }
    this.running = false;
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }
}

export async function startUartRelay(options: UartRelayOptions): Promise<UartRelay> {
  if (!Number.isFinite(options.baud) || options.baud < 50) throw new Error(`baud must be at least 50, not ${options.baud}`);
  const name = options.name ?? 'uart';
  const link = (suffix: string): string => path.join(options.dir, `${name}.${suffix}`);
  const pairs: PtyPair[] = [];
  const ports: SerialPort[] = [];
  const pipes: PacedPipe[] = [];
  const close = async (): Promise<void> => {
    for (const pipe of pipes) pipe.close();
    for (const port of ports.splice(0)) await closeSerial(port).catch(() => undefined);
    for (const pair of pairs.splice(0)) await pair.close();
  };
  try {
    pairs.push(await openPtyPair(link('relay-a'), link('app')));
    pairs.push(await openPtyPair(link('relay-b'), link('agent')));
    // The relay's own ends are ptys too: their baud setting means nothing, the pacing does.
    const a = await openSerial({ path: link('relay-a'), baudRate: 115200 });
    ports.push(a);
    const b = await openSerial({ path: link('relay-b'), baudRate: 115200 });
    ports.push(b);
    const bytesPerMs = options.baud / 10 / 1000;
    const toAgent = new PacedPipe(b, bytesPerMs);
    const toApp = new PacedPipe(a, bytesPerMs);
    pipes.push(toAgent, toApp);
    a.on('data', (chunk: Buffer) => toAgent.push(chunk));
    b.on('data', (chunk: Buffer) => toApp.push(chunk));
    return {
      appPath: link('app'),
      agentPath: link('agent'),
      baud: options.baud,
      stats: () => ({ toAgent: toAgent.moved, toApp: toApp.moved }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
