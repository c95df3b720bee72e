/**
 * One FGP peer on a byte stream without TLS (a serial line, a USB FunctionFS session): the same
 * handler, frame limit, fault-injection hook and dropped-frame accounting for each.
 */
import type { Duplex } from 'node:stream';
import { FgpPeer, type RequestHandler } from '../core/protocol/peer.js';
import type { AgentLog, TransportInfo } from './agent-context.js';

export interface StreamPeerOptions {
  readonly initialMaxFrame: number;
  readonly handlerFor: (transport: TransportInfo) => RequestHandler;
  readonly log: AgentLog;
  /** Wraps the stream before FGP sees it (fault injection). */
  readonly wrapStream?: (stream: Duplex, remote: string) => Duplex;
}

/** Serves FGP on `stream`; every frame the decoder drops is logged and counted through `onDrop`. */
export function streamPeer(stream: Duplex, transport: TransportInfo, options: StreamPeerOptions, onDrop: () => void): FgpPeer {
  const peer = new FgpPeer(options.wrapStream ? options.wrapStream(stream, transport.remote) : stream, {
    handler: options.handlerFor(transport),
    maxFrame: options.initialMaxFrame,
  });
  peer.on('drop', (drop) => {
    onDrop();
    options.log.warn(`${transport.remote}: dropped a frame (${drop.reason}: ${drop.detail})`);
  });
  return peer;
}
