/**
 * The agent's FunctionFS blobs, laid out as the kernel's f_fs.c parses them
 * (usb_functionfs_descs_head_v2 + counts + descriptors; usb_functionfs_strings_head + strings).
 * The virtual USB lab binds a real gadget with them; this pins the bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  actionFor,
  FUNCTIONFS_EVENT_SIZE,
  functionFsDescriptors,
  functionFsStrings,
  needsZeroLengthPacket,
  parseFunctionFsEvents,
  type FunctionFsEvent,
} from '../../agent/functionfs-server.js';
import { parseAgentArgs } from '../../agent/cli-args.js';

describe('FunctionFS descriptors and strings', () => {
  test('v2 header, full- and high-speed counts, one vendor interface with bulk IN 0x81 and OUT 0x02', () => {
    const d = Buffer.from(functionFsDescriptors());
    assert.equal(d.readUInt32LE(0), 3, 'FUNCTIONFS_DESCRIPTORS_MAGIC_V2');
    assert.equal(d.readUInt32LE(4), d.length);
    assert.equal(d.readUInt32LE(8), 1 | 2, 'HAS_FS_DESC | HAS_HS_DESC');
    assert.deepEqual([d.readUInt32LE(12), d.readUInt32LE(16)], [3, 3]);
    const speeds = [d.subarray(20, 43), d.subarray(43, 66)];
    assert.equal(d.length, 66);
    for (const [i, packet] of [64, 512].entries()) {
      const s = speeds[i]!;
      assert.deepEqual([...s.subarray(0, 9)], [9, 4, 0, 0, 2, 0xff, 0, 0, 1], 'interface: 2 endpoints, class 0xff, iInterface 1');
      assert.deepEqual([...s.subarray(9, 12)], [7, 5, 0x81]);
      assert.equal(s[12], 2, 'bulk');
      assert.equal(s.readUInt16LE(13), packet);
      assert.deepEqual([...s.subarray(16, 19)], [7, 5, 0x02]);
      assert.equal(s.readUInt16LE(20), packet);
    }
  });

  test('strings: magic, length, one string in en-US, NUL-terminated', () => {
    const s = Buffer.from(functionFsStrings('Fieldline FGP'));
    assert.equal(s.readUInt32LE(0), 2, 'FUNCTIONFS_STRINGS_MAGIC');
    assert.equal(s.readUInt32LE(4), s.length);
    assert.deepEqual([s.readUInt32LE(8), s.readUInt32LE(12), s.readUInt16LE(16)], [1, 1, 0x0409]);
    assert.equal(s.subarray(18).toString('utf8'), 'Fieldline FGP\0');
  });

  test('a zero-length packet follows writes of whole packets at either speed', () => {
    assert.equal(needsZeroLengthPacket(0), false);
    assert.equal(needsZeroLengthPacket(63), false);
    assert.equal(needsZeroLengthPacket(64), true, 'one full-speed packet');
    assert.equal(needsZeroLengthPacket(512), true);
    assert.equal(needsZeroLengthPacket(1000), false);
  });
});

/** One struct usb_functionfs_event as the kernel lays it out: setup packet, type, 3 pad bytes. */
function event(type: number, setup: readonly number[] = [0, 0, 0, 0, 0, 0, 0, 0]): Buffer {
  return Buffer.from([...setup, type, 0, 0, 0]);
}

describe('FunctionFS ep0 events', () => {
  test('each 12-byte event is parsed by type, in order', () => {
    const events = parseFunctionFsEvents(Buffer.concat([0, 2, 3, 1, 5, 6].map((t) => event(t))));
    assert.deepEqual(
      events.map((e) => e.type),
      ['bind', 'enable', 'disable', 'unbind', 'suspend', 'resume'],
    );
    assert.equal(FUNCTIONFS_EVENT_SIZE, 12);
  });

  test('a SETUP event carries its request, little-endian fields included', () => {
    // GET_STATUS (0x00) to interface 0x0102, device-to-host, wValue 0x0304, wLength 2.
    const [e] = parseFunctionFsEvents(event(4, [0x81, 0x00, 0x04, 0x03, 0x02, 0x01, 0x02, 0x00]));
    assert.deepEqual(e, { type: 'setup', setup: { requestType: 0x81, request: 0, value: 0x0304, index: 0x0102, length: 2 } });
  });

  test('a read that is not whole events, or an unknown type, is refused with the reason', () => {
    assert.throws(() => parseFunctionFsEvents(Buffer.alloc(13)), /13 bytes, not a whole number of 12-byte FunctionFS events/);
    assert.throws(
      () => parseFunctionFsEvents(Buffer.concat([event(2), event(9)])),
      /event 1 has type 9, which is no FunctionFS event \(0 to 6\)/,
    );
    assert.deepEqual(parseFunctionFsEvents(Buffer.alloc(0)), []);
  });

  test('ENABLE starts a session, DISABLE and UNBIND end it, the rest leave it alone', () => {
    const act = (type: 'bind' | 'unbind' | 'enable' | 'disable' | 'suspend' | 'resume'): string => actionFor({ type });
    assert.equal(act('enable'), 'start');
    assert.equal(act('disable'), 'end');
    assert.equal(act('unbind'), 'end');
    for (const t of ['bind', 'suspend', 'resume'] as const) assert.equal(act(t), 'none', t);
  });

  test('control requests to the interface are stalled in their own direction', () => {
    const setup = (requestType: number): FunctionFsEvent => ({
      type: 'setup',
      setup: { requestType, request: 1, value: 0, index: 0, length: 0 },
    });
    assert.equal(actionFor(setup(0xc1)), 'stall-in', 'vendor device-to-host: stalled by a read of ep0');
    assert.equal(actionFor(setup(0x41)), 'stall-out', 'vendor host-to-device: stalled by a write to ep0');
  });
});

describe('fieldline agent --functionfs arguments', () => {
  test('accepted with TCP, refused with --serial or --emulate', () => {
    assert.equal(parseAgentArgs(['--functionfs', '/dev/ffs-fgp']).functionFs, '/dev/ffs-fgp');
    assert.throws(
      () => parseAgentArgs(['--functionfs', '/dev/ffs-fgp', '--serial', '/dev/ttyGS0']),
      /--functionfs cannot be combined with --serial or --emulate/,
    );
    assert.throws(() => parseAgentArgs(['--functionfs', '/dev/ffs-fgp', '--emulate', '2']), /--functionfs cannot be combined/);
  });
});
