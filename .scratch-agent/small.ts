import { startAgent } from '../agent/agent.js';
import { hello } from '../core/protocol/client-session.js';
import { FgpPeer } from '../core/protocol/peer.js';
import { openTcp } from '../core/transport/tcp.js';
import { mkdtemp } from 'node:fs/promises';
const dir = await mkdtemp('/tmp/fl-small-');
const agent = await startAgent({ stateDir: dir, device: (await import('../agent/emulate.js')).emulatedDevice(1, 3), tcp: { host: '127.0.0.1', port: 0 }, mdns: false, udp: false, log: { info: (m) => console.log('info', m), warn: (m) => console.log('warn', m) } });
const opened = await openTcp({ host: '127.0.0.1', port: agent.tcpPort!, tls: true });
const peer = new FgpPeer(opened.stream, { channelBinding: opened.binding });
peer.on('drop', (d) => console.log('client drop', d));
try { const d = await hello(peer, { maxFrame: 512 }); console.log('ok', d.maxFrame); } catch (e) { console.log('err', (e as Error).message); }
peer.close(); await agent.close();
