/**
 * FGP on a serial device or pty: a gateway's console UART, a USB CDC-ACM gadget, a socat pair.
 *
 * A serial line has no connections: technicians plug in and out, cables are noisy, and a laptop
 * may leave half a frame on the line. One FgpPeer serves the port for as long as it is open;
 * its FrameDecoder drops bad frames and resynchronises at the next delimiter, `hello` starts a
 * fresh session, and an idle session forgets its technician. If the device disappears (a USB
 * gadget unplugged), the server keeps trying to reopen it.
 */
import type { SerialPort } from 'serialport';
import { FRAME_DELIMITER } from '../core/protocol/frame.js';
import type { FgpPeer } from '../core/protocol/peer.js';
import { closeSerial, openSerial } from '../core/transport/serial.js';
import { FgpError } from '../core/protocol/errors.js';
import type { TransportInfo } from './agent-context.js';
import { streamPeer, type StreamPeerOptions } from './stream-peer.js';

export interface SerialServerOptions extends StreamPeerOptions {
  readonly path: string;
  /** Ignored by ptys; a real UART must match the client's setting. */
  readonly baudRate: number;
  readonly maxFrame: number;
  readonly idleResetMs: number;
  readonly reopenDelayMs?: number;
}

export interface SerialServer {
  readonly path: string;
  /** Frames dropped on this line since the agent started (bad CRC, garbage, too large). */
  readonly droppedFrames: () => number;
  close(): Promise<void>;
}

function openErrorMessage(err: unknown): string {
  if (err instanceof FgpError) return err.fix ? `${err.message}. ${err.fix}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

export async function startSerialServer(options: SerialServerOptions): Promise<SerialServer> {
  const remote = `serial ${options.path}`;
  const transport: TransportInfo = {
    kind: 'serial',
    maxFrame: options.maxFrame,
    initialMaxFrame: options.initialMaxFrame,
    remote,
    idleResetMs: options.idleResetMs,
  };
  let port: SerialPort | null = null;
  let peer: FgpPeer | null = null;
  let stopped = false;
  let dropped = 0;
  let reopenTimer: NodeJS.Timeout | null = null;
  let lastReopenError = '';

  const attach = (opened: SerialPort): void => {
    port = opened;
    // A leading delimiter ends whatever half frame the other side's decoder holds.
    opened.write(new Uint8Array([FRAME_DELIMITER]));
    const current = streamPeer(opened, transport, options, () => dropped++);
    peer = current;
    current.once('close', () => {
      if (peer === current) peer = null;
      if (port === opened) port = null;
      if (!stopped) {
        options.log.warn(`${remote}: the device closed; reopening`);
        scheduleReopen();
      }
    });
  };

  const scheduleReopen = (): void => {
    if (stopped || reopenTimer) return;
    reopenTimer = setTimeout(() => {
      reopenTimer = null;
      openSerial({ path: options.path, baudRate: options.baudRate }).then(
        (opened) => {
          if (stopped) {
            void closeSerial(opened);
            return;
          }
          lastReopenError = '';
          options.log.info(`${remote}: reopened`);
          attach(opened);
        },
        (err: unknown) => {
          const message = openErrorMessage(err);
          if (message !== lastReopenError) options.log.warn(`${remote}: cannot reopen yet: ${message}`);
          lastReopenError = message;
          scheduleReopen();
        },
      );
    }, options.reopenDelayMs ?? 1000);
  };

  try {
    attach(await openSerial({ path: options.path, baudRate: options.baudRate }));
  } catch (err) {
    throw new Error(`cannot serve FGP on ${options.path}: ${openErrorMessage(err)}`);
  }

  return {
    path: options.path,
    droppedFrames: () => dropped,
    async close(): Promise<void> {
      stopped = true;
      if (reopenTimer) clearTimeout(reopenTimer);
      reopenTimer = null;
      const open = port;
      port = null;
      if (open) await closeSerial(open);
      peer?.close();
      peer = null;
    },
  };
}
