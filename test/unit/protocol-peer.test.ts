import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { FgpPeer, type RequestHandler } from '../../core/protocol/peer.js';
import { FgpError } from '../../core/protocol/errors.js';
import { encodeFrame } from '../../core/protocol/frame.js';

/** A real loopback TCP pair: one FgpPeer per end. */
async function pair(
  handler: RequestHandler,
  clientTimeoutMs?: number,
): Promise<{ client: FgpPeer; server: FgpPeer; raw: net.Socket; close: () => void }> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  const accepted = once(srv, 'connection') as Promise<[net.Socket]>;
  const raw = net.connect(port, '127.0.0.1');
  await once(raw, 'connect');
  const [socket] = await accepted;
  const server = new FgpPeer(socket, { handler });
  const client = new FgpPeer(raw, clientTimeoutMs === undefined ? {} : { requestTimeoutMs: clientTimeoutMs });
  return {
    client,
    server,
    raw,
    close: () => {
      client.close();
      server.close();
      srv.close();
    },
  };
}

describe('FgpPeer over loopback TCP', () => {
  let p: Awaited<ReturnType<typeof pair>>;
  const release: (() => void)[] = [];
  before(async () => {
    p = await pair(async (req) => {
      if (req.method === 'echo') return req.params;
      if (req.method === 'slow') return new Promise<null>((r) => release.push(() => r(null)));
      if (req.method === 'fail') throw new FgpError('invalid_params', 'fail was asked to fail', { field: 'x' });
      if (req.method === 'never') return new Promise(() => {});
      throw new FgpError('unknown_method', `unknown method "${req.method}"`);
    }, 300);
  });
  after(() => p.close());

  test('many requests in flight are answered and matched to their ids', async () => {
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => p.client.request('echo', { i })));
    assert.deepEqual(
      results,
      Array.from({ length: 64 }, (_, i) => ({ i })),
    );
  });

  test('answers can arrive out of order', async () => {
    const slow = p.client.request('slow', {}, 5000);
    const fast = await p.client.request('echo', { n: 1 });
    assert.deepEqual(fast, { n: 1 });
    while (release.length === 0) await new Promise((r) => setTimeout(r, 5));
    release.shift()!();
    assert.deepEqual(await slow, null);
  });

  test('an error response becomes an FgpError with code, message and data', async () => {
    await assert.rejects(
      p.client.request('fail'),
      (err: FgpError) =>
        err.code === 'invalid_params' && /asked to fail/.test(err.message) && (err.data as { field: string }).field === 'x',
    );
  });

  test('an unanswered request times out with a clear error', async () => {
    await assert.rejects(
      p.client.request('never'),
      (err: FgpError) => err.code === 'timeout' && /never got no answer within 300 ms/.test(err.message),
    );
  });

  test('garbage on the stream is dropped and counted; the session keeps working', async () => {
    const dropped = once(p.server, 'drop');
    p.raw.write(Buffer.from([0x00, 0x41, 0x42, 0x43, 0x00, 0x05, 0x01, 0x00]));
    p.raw.write(encodeFrame(new Uint8Array([0xff, 0xff]))); // valid frame, invalid CBOR message
    await dropped;
    assert.deepEqual(await p.client.request('echo', { still: 'alive' }), { still: 'alive' });
    assert.ok(p.server.frameStats.dropped >= 2);
  });
});

test('closing the stream fails every pending request with connection_closed', async () => {
  const p = await pair(() => new Promise(() => {}));
  const pending = [p.client.request('a'), p.client.request('b')];
  p.server.close();
  for (const request of pending) await assert.rejects(request, (err: FgpError) => err.code === 'connection_closed');
  await assert.rejects(p.client.request('c'), (err: FgpError) => err.code === 'connection_closed');
  p.close();
});

test('a message over the frame limit is refused before it is sent', async () => {
  const p = await pair(async () => null);
  p.client.setMaxFrame(256);
  await assert.rejects(p.client.request('echo', { blob: new Uint8Array(1000) }), (err: FgpError) => err.code === 'frame_too_large');
  p.close();
});

test('past the in-flight limit the other end answers busy instead of queueing without bound', async () => {
  const p = await pair(() => new Promise(() => {}), 2000);
  const requests = Array.from({ length: 65 }, () => p.client.request('never').catch((err: FgpError) => err.code));
  assert.equal(await requests[64], 'busy');
  p.close();
  await Promise.all(requests);
});
