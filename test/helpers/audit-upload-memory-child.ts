/**
 * Child process for the "offline for a long time" test: queues N entries, uploads them all to the
 * reference receiver (in this process too) and prints the live heap (after a forced GC) before
 * the upload and at its peak, sampled after every batch. Run with --expose-gc.
 */
import { join } from 'node:path';
import { appendEntries, openLaptop, startTestReceiver, tempDir } from './audit-fixtures.js';

const total = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const tmp = tempDir('fl-audit-memory-');
try {
  const laptop = openLaptop(join(tmp.dir, 'laptop'));
  appendEntries(laptop.log, total - 1);
  const receiver = await startTestReceiver(join(tmp.dir, 'rx', 'receiver.db'));
  const live = (): number => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const baseline = live();
  let peak = baseline;
  let batches = 0;
  const uploader = laptop.uploader({
    onBatch: () => {
      batches++;
      if (batches % 5 === 0) peak = Math.max(peak, live());
    },
  });
  uploader.configure({ endpoint: receiver.url });
  const outcome = await uploader.syncNow();
  peak = Math.max(peak, live());
  const held = receiver.store.count(laptop.log.logId);
  const gaps = receiver.store.logState(laptop.log.logId).gaps.length;
  await uploader.stop();
  await receiver.stop();
  laptop.close();
  process.stdout.write(`${JSON.stringify({ ok: outcome.ok, total, held, gaps, batches, baseline, peak })}\n`);
} finally {
  tmp.remove();
}
