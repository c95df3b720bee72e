/**
 * The agent's FunctionFS blobs, laid out as the kernel's f_fs.c parses them
 * (usb_functionfs_descs_head_v2 + counts + descriptors; usb_functionfs_strings_head + strings).
 * The virtual USB lab binds a real gadget with them; this pins the bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { functionFsDescriptors, functionFsStrings, needsZeroLengthPacket } from '../../agent/functionfs-server.js';

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
