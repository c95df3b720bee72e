/**
 * Bulk probe: does a Fieldline agent answer on this device's FGP bulk interface?
 *
 * The USB twin of serial-probe: claim the vendor interface, send `hello`, and release the
 * interface again whatever happens (and only then return), so the technician's session can claim
 * it the moment discovery is done with it.
 */
import type { DeviceDescriptor } from '../../api/schemas.js';
import { hello } from '../../protocol/client-session.js';
import { FgpError } from '../../protocol/errors.js';
import { FRAME_DELIMITER } from '../../protocol/frame.js';
import { FgpPeer } from '../../protocol/peer.js';
import { describeUsbTarget, openUsbBulk, type UsbBulkOptions, type UsbBulkStream } from '../../transport/usb-bulk.js';
import { descriptorFromWire } from '../descriptor.js';
import type { SerialProbeOutcome } from '../serial-probe.js';
import type { UsbBulkOpener, UsbBulkTarget } from './adapter.js';

export type BulkProbeOutcome =
  | { readonly result: 'found'; readonly descriptor: DeviceDescriptor }
  | {
      readonly result: Exclude<SerialProbeOutcome['result'], 'found'>;
      readonly detail: string;
      readonly fix?: string;
      /** The interface could not be claimed (permission, busy, gone): asking again changes nothing until a replug. */
      readonly openFailed: boolean;
    };

export interface BulkProbeOptions {
  /** How long to wait for the `hello` answer. */
  readonly timeoutMs: number;
  /** Discovery is stopping: do not start. */
  readonly signal?: AbortSignal | undefined;
  readonly bulk?: UsbBulkOptions | undefined;
}

export function describeBulkTarget(target: UsbBulkTarget): string {
  return `${describeUsbTarget(target)} interface ${target.interfaceNumber}`;
}

function failure(err: unknown, openFailed: boolean, where: string): BulkProbeOutcome {
  const e = err instanceof FgpError ? err : new FgpError('usb_failed', `${where}: ${err instanceof Error ? err.message : String(err)}`);
  const result = e.code === 'permission_denied' ? 'permission-denied' : e.code === 'port_busy' ? 'busy' : 'error';
  return e.fix !== undefined ? { result, detail: e.message, fix: e.fix, openFailed } : { result, detail: e.message, openFailed };
}

/** Resolves once the stream is destroyed and its interface released. */
function closed(stream: UsbBulkStream, peer: FgpPeer): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stream.closed) return resolve();
    stream.once('close', () => resolve());
    peer.close();
  });
}

export async function probeUsbBulk(opener: UsbBulkOpener, target: UsbBulkTarget, options: BulkProbeOptions): Promise<BulkProbeOutcome> {
  const where = describeBulkTarget(target);
  if (options.signal?.aborted) return { result: 'error', detail: 'probe stopped: discovery was stopped', openFailed: false };
  let stream: UsbBulkStream;
  try {
    stream = await openUsbBulk(opener, target, options.bulk);
  } catch (err) {
    return failure(err, true, where);
  }
  const peer = new FgpPeer(stream, { requestTimeoutMs: options.timeoutMs });
  try {
    // A lone delimiter ends whatever half frame an interrupted session left in the agent's decoder.
    stream.write(Buffer.from([FRAME_DELIMITER]));
    const wire = await hello(peer, { client: 'fieldline-discovery' });
    return { result: 'found', descriptor: descriptorFromWire(wire) };
  } catch (err) {
    if (err instanceof FgpError && err.code === 'timeout') {
      return {
        result: 'no-answer',
        detail: `no FGP answer on ${where} within ${options.timeoutMs} ms`,
        fix: 'Check that the Fieldline agent runs on the gateway and serves its USB gadget interface.',
        openFailed: false,
      };
    }
    return failure(err, false, where);
  } finally {
    await closed(stream, peer);
  }
}
