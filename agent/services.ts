/**
 * What a booted gateway runs for the laptop: FGP on TCP/TLS, serial and/or USB bulk, and the discovery
 * announcements. Started on every (emulated) boot and stopped on every reboot, so a laptop sees
 * the gateway go away and come back as after a real reboot.
 */
import type { Duplex } from 'node:stream';
import type { Announcement } from '../core/protocol/announce.js';
import { encodeTxt } from '../core/protocol/announce.js';
import { DEFAULT_MAX_FRAME, MAX_FRAME_LIMIT } from '../core/protocol/frame.js';
import type { Ed25519Identity } from '../core/protocol/identity.js';
import type { RequestHandler } from '../core/protocol/peer.js';
import type { AgentLog, TransportInfo } from './agent-context.js';
import { startMdnsAnnouncer, type MdnsAnnouncer } from './announce-mdns.js';
import { startUdpResponder, type UdpResponder } from './announce-udp.js';
import type { Ipv4Interface } from './net-interfaces.js';
import { functionFsPortAt, startFunctionFsServer, type FunctionFsServer } from './functionfs-server.js';
import { startSerialServer, type SerialServer } from './serial-server.js';
import { firmwareVersion, type DeviceFile } from './state-schema.js';
import { startTcpServer, type TcpServer } from './tcp-server.js';

/** Frames stay small on serial: a 16 KiB frame is 1.4 s of line time at 115200 baud. */
export const SERIAL_MAX_FRAME = 8 * 1024;
export const TCP_MAX_FRAME = MAX_FRAME_LIMIT;
/** USB bulk moves tens of MB/s with no line time to speak of: the same frames as TCP. */
export const USB_MAX_FRAME = MAX_FRAME_LIMIT;
/** An authenticated serial session left idle this long must authenticate again. */
export const SERIAL_IDLE_RESET_MS = 15 * 60_000;

export interface ServiceOptions {
  readonly identity: Ed25519Identity;
  readonly device: () => DeviceFile;
  readonly tcp: { readonly host: string; readonly port: number; readonly tls: boolean } | null;
  /**
   * A serial line, or the directory of a FunctionFS port the command line opened
   * (functionfs-server.ts), which is then served natively as USB bulk.
   */
  readonly serial: { readonly path: string; readonly baudRate: number } | null;
  readonly udp: { readonly port: number; readonly bindAddress: string; readonly interfaces?: readonly Ipv4Interface[] } | null;
  readonly mdns: { readonly interfaces: readonly Ipv4Interface[] } | null;
  readonly handlerFor: (transport: TransportInfo) => RequestHandler;
  readonly wrapStream?: (stream: Duplex, remote: string) => Duplex;
  readonly log: AgentLog;
}

export interface Services {
  readonly tcp: TcpServer | null;
  readonly serial: SerialServer | null;
  readonly functionFs: FunctionFsServer | null;
  readonly udp: UdpResponder | null;
  readonly mdns: MdnsAnnouncer | null;
  announcement(): Announcement | null;
  close(): Promise<void>;
}

export async function startServices(o: ServiceOptions): Promise<Services> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        o.log.warn(`while stopping: ${(err as Error).message}`);
      }
    }
  };
  const announced = (server: TcpServer): Announcement => {
    const device = o.device();
    return {
      id: o.identity.id,
      name: device.name,
      vendor: device.vendor,
      model: device.model,
      fw: firmwareVersion(device),
      sn: device.serial,
      port: server.port,
      tls: server.tls,
    };
  };
  const wrap = o.wrapStream ? { wrapStream: o.wrapStream } : {};
  let tcp: TcpServer | null = null;
  let serial: SerialServer | null = null;
  let functionFs: FunctionFsServer | null = null;
  let udp: UdpResponder | null = null;
  let mdns: MdnsAnnouncer | null = null;
  try {
    if (o.tcp) {
      const server = await startTcpServer({
        ...o.tcp,
        identity: o.identity,
        commonName: o.device().name,
        maxFrame: TCP_MAX_FRAME,
        initialMaxFrame: DEFAULT_MAX_FRAME,
        handlerFor: o.handlerFor,
        log: o.log,
        ...wrap,
      });
      tcp = server;
      closers.push(() => server.close());
    }
    const usbPort = o.serial ? functionFsPortAt(o.serial.path) : null;
    if (usbPort) {
      const usb = startFunctionFsServer(usbPort, {
        maxFrame: USB_MAX_FRAME,
        initialMaxFrame: DEFAULT_MAX_FRAME,
        idleResetMs: SERIAL_IDLE_RESET_MS,
        handlerFor: o.handlerFor,
        log: o.log,
        ...wrap,
      });
      functionFs = usb;
      closers.push(() => usb.close());
    } else if (o.serial) {
      const line = await startSerialServer({
        ...o.serial,
        maxFrame: SERIAL_MAX_FRAME,
        initialMaxFrame: DEFAULT_MAX_FRAME,
        idleResetMs: SERIAL_IDLE_RESET_MS,
        handlerFor: o.handlerFor,
        log: o.log,
        ...wrap,
      });
      serial = line;
      closers.push(() => line.close());
    }
    if (tcp && o.udp) {
      const server = tcp;
      const responder = await startUdpResponder({
        port: o.udp.port,
        bindAddress: o.udp.bindAddress,
        ...(o.udp.interfaces ? { interfaces: o.udp.interfaces } : {}),
        announcement: () => announced(server),
        log: o.log,
      });
      udp = responder;
      closers.push(() => responder.close());
    }
    if (tcp && o.mdns) {
      const server = tcp;
      const announcer = await startMdnsAnnouncer({
        interfaces: o.mdns.interfaces,
        service: () => {
          const device = o.device();
          return { name: device.name, hostname: device.config.hostname, port: server.port, txt: encodeTxt(announced(server)) };
        },
        log: o.log,
      });
      mdns = announcer;
      closers.push(() => announcer.close());
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  const server = tcp;
  return { tcp, serial, functionFs, udp, mdns, announcement: () => (server ? announced(server) : null), close: closeAll };
}
