import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress } from '../../core/engine/address.js';

test('addresses a technician types are understood', () => {
  assert.deepEqual(parseAddress('10.0.0.7'), {
    ok: true,
    path: { transport: 'tcp', host: '10.0.0.7', port: 48621, tls: true, via: 'manual' },
  });
  assert.deepEqual(parseAddress(' gw-01.local:5000 '), {
    ok: true,
    path: { transport: 'tcp', host: 'gw-01.local', port: 5000, tls: true, via: 'manual' },
  });
  assert.deepEqual(parseAddress('[fe80::1]:48621'), {
    ok: true,
    path: { transport: 'tcp', host: 'fe80::1', port: 48621, tls: true, via: 'manual' },
  });
  assert.deepEqual(parseAddress('/dev/ttyUSB0'), {
    ok: true,
    path: { transport: 'serial', path: '/dev/ttyUSB0', baudRate: 115200, via: 'manual' },
  });
  assert.deepEqual(parseAddress('/dev/ttyACM0@921600'), {
    ok: true,
    path: { transport: 'serial', path: '/dev/ttyACM0', baudRate: 921600, via: 'manual' },
  });
  assert.deepEqual(parseAddress('COM3'), { ok: true, path: { transport: 'serial', path: 'COM3', baudRate: 115200, via: 'manual' } });
});

test('bad addresses are refused with the reason', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['gw:99999', /out of range/],
    ['/dev/ttyUSB0@fast', /not a baud rate/],
    ['http://gw/', /neither a host\[:port\] nor a serial port path/],
  ];
  for (const [input, reason] of cases) {
    const result = parseAddress(input);
    assert.equal(result.ok, false, input);
    assert.match(!result.ok ? result.reason : '', reason);
  }
});
