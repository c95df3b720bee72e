/**
 * One timed Fieldline transfer for the flash benchmarks: from opening the session (hello and
 * authentication included) until the gateway holds every byte; the device's verify timed apart.
 */
import { performance } from 'node:perf_hooks';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import type { DevicePath } from '../../core/api/schemas.js';
import { openDeviceSession } from '../../core/engine/device-session.js';
import { commitArtifact, sendArtifact, type TransferResult } from '../../core/flash/transfer.js';
import { authenticate } from '../../core/protocol/client-session.js';
import type { BenchBundle } from './bench-bundle.js';

export interface TimedSend {
  readonly ms: number;
  readonly commitMs: number | null;
  readonly result: TransferResult;
}

export async function timedSend(path: DevicePath, deviceId: string, bundle: BenchBundle, verify: boolean): Promise<TimedSend> {
  const t0 = performance.now();
  const session = await openDeviceSession(path, { expectId: deviceId });
  try {
    await authenticate(session.peer, deviceId, loadDemoTechnician().identity);
    const result = await sendArtifact(session.peer, bundle, { commit: false });
    const ms = performance.now() - t0;
    if (result.held !== bundle.size) throw new Error(`the gateway holds ${result.held} of ${bundle.size} bytes`);
    let commitMs: number | null = null;
    if (verify) {
      const c0 = performance.now();
      const commit = await commitArtifact(session.peer, bundle.sha256);
      commitMs = performance.now() - c0;
      if (!commit.verified) throw new Error('the gateway did not verify the bundle');
    }
    return { ms, commitMs, result };
  } finally {
    await session.close();
  }
}
