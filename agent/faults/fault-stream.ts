/**
 * A connection with faults: wraps the socket or serial port an FgpPeer talks over and cuts,
 * stalls or paces it. The peer sees an ordinary Duplex.
 */
import { Duplex } from 'node:stream';
import type { AgentLog } from '../agent-context.js';
import type { FaultState } from './faults.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Paces bytes to a line rate (10 bits per byte): each call waits until the line would have
 * finished sending what came before. Timer granularity makes short waits coarse, so the wait is
 * only taken once it is worth a millisecond; the average rate is still exact.
 */
class LinePacer {
  private freeAt = 0;
  constructor(private readonly bytesPerMs: number) {}

  async pass(bytes: number): Promise<void> {
    const now = performance.now();
    this.freeAt = Math.max(this.freeAt, now) + bytes / this.bytesPerMs;
    const wait = this.freeAt - now;
    if (wait >= 1) await sleep(wait);
  }
}

export function wrapWithFaults(inner: Duplex, state: FaultState, remote: string, log: AgentLog): Duplex {
  const f = state.faults;
  const cutAt = f.cutAfterBytes !== undefined && (f.cutEvery || !state.cutDone) ? f.cutAfterBytes : undefined;
  const stallAt = f.stallAfterBytes !== undefined && !state.stallDone ? f.stallAfterBytes : undefined;
  const inPacer = f.throttleBaud ? new LinePacer(f.throttleBaud / 10 / 1000) : null;
  const outPacer = f.throttleBaud ? new LinePacer(f.throttleBaud / 10 / 1000) : null;
  let received = 0;
  let stalled = false;
  // Incoming data is handed on in order even while the pacer makes it wait.
  let incoming: Promise<void> = Promise.resolve();

  const outer: Duplex = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      const send = (): void => {
        if (inner.destroyed) return callback();
        inner.write(chunk, (err) => callback(err ?? null));
      };
      if (outPacer) void outPacer.pass(chunk.length).then(send);
      else send();
    },
    destroy(err, callback) {
      inner.destroy();
      callback(err);
    },
  });

  const deliver = (chunk: Buffer): void => {
    if (!outer.push(chunk)) inner.pause();
  };

  inner.on('data', (data: Buffer) => {
    if (stalled || outer.destroyed) return;
    let chunk = data;
    const before = received;
    received += chunk.length;
    if (stallAt !== undefined && received >= stallAt) {
      chunk = chunk.subarray(0, Math.max(0, stallAt - before));
      stalled = true;
      state.stallDone = true;
      // Stop reading for real, so the sender's TCP window fills as on a hung gateway.
      void incoming.then(() => {
        if (chunk.length) deliver(chunk);
        inner.pause();
      });
      log.warn(`${remote}: fault injection: stalled after ${stallAt} bytes received`);
    }
    if (cutAt !== undefined && received >= cutAt) {
      const kept = chunk.subarray(0, Math.max(0, cutAt - before));
      state.cutDone = true;
      log.warn(`${remote}: fault injection: cutting the link after ${cutAt} bytes received`);
      incoming = incoming.then(() => {
        if (kept.length) deliver(kept);
        outer.destroy();
      });
      stalled = true;
      return;
    }
    if (stalled || !chunk.length) return;
    if (inPacer) incoming = incoming.then(() => inPacer.pass(chunk.length)).then(() => deliver(chunk));
    else deliver(chunk);
  });
  inner.once('end', () => void incoming.then(() => outer.push(null)));
  inner.once('close', () => void incoming.then(() => outer.destroy()));
  inner.on('error', (err: Error) => outer.destroy(err));
  return outer;
}
