/**
 * The confirm step's summary: per gateway name, id, from → to version and the slot written.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlashPlan } from '../../core/api/schemas.js';
import { buildSummary, inactiveSlot, shortId } from '../../renderer/flash/summary.js';
import { bundle, device } from './renderer-flash-fixtures.js';

const os = bundle({ kind: 'os-image', name: 'Fieldline Demo OS', version: '1.1.0' });

describe('buildSummary', () => {
  test('an OS image goes to the inactive slot, from the firmware running now', () => {
    const gw1 = device(1);
    const gw2 = device(2);
    gw2.descriptor = { ...gw2.descriptor!, firmware: { version: '1.0.0', activeSlot: 'b' } };
    const s = buildSummary(os, [gw1, gw2], [gw1.id, gw2.id], null);
    assert.equal(s.count, 2);
    assert.equal(s.buttonLabel, 'Flash 2 gateways');
    assert.deepEqual(
      s.rows.map((r) => [r.name, r.shortId, r.fromText, r.toVersion, r.slot]),
      [
        ['gw-01', '111111111111', '2.3.0', '1.1.0', 'b'],
        ['gw-02', '222222222222', '1.0.0', '1.1.0', 'a'],
      ],
    );
    assert.match(s.rows[0]!.whereText, /^slot B \(inactive; A keeps running/);
  });

  test('a model goes to the model store; "not installed" when the gateway has none of that name', () => {
    const model = bundle();
    const gw1 = device(1);
    const gw2 = device(2);
    gw2.descriptor = { ...gw2.descriptor!, models: [{ name: 'Fieldline Demo Classifier', version: '0.9.0', sha256: 'ab' }] };
    const s = buildSummary(model, [gw1, gw2], [gw1.id, gw2.id], null);
    assert.deepEqual(
      s.rows.map((r) => [r.fromText, r.toVersion, r.slot, r.whereText.startsWith('model store')]),
      [
        ['not installed', '1.0.0', null, true],
        ['0.9.0', '1.0.0', null, true],
      ],
    );
  });

  test('a gateway never read says its version is unknown rather than guessing', () => {
    const gw = device(1, { descriptor: undefined });
    const s = buildSummary(bundle(), [gw], [gw.id], null);
    assert.equal(s.rows[0]!.fromVersion, null);
    assert.match(s.rows[0]!.fromText, /unknown/);
  });

  test('one gateway reads "Flash 1 gateway"; unknown ids are left out', () => {
    const gw = device(1);
    const s = buildSummary(os, [gw], [gw.id, 'f'.repeat(64)], null);
    assert.equal(s.rows.length, 1);
    assert.equal(s.buttonLabel, 'Flash 1 gateway');
  });

  test('a same-version reinstall and a gateway not seen lately carry notes', () => {
    const gw = device(1, { state: 'lost' });
    const s = buildSummary(bundle({ kind: 'os-image', version: '2.3.0' }), [gw], [gw.id], null);
    assert.deepEqual(
      s.rows[0]!.notes.map((n) => n.code),
      ['same_version', 'not_seen_lately'],
    );
  });

  test('the engine plan wins for versions, and a gateway it finds incompatible is not counted', () => {
    const gw1 = device(1);
    const gw2 = device(2);
    const plan: FlashPlan = {
      bundle: os,
      targets: [
        { deviceId: gw1.id, deviceName: 'gw-01', compatible: true, reason: null, fromVersion: '2.4.0', toVersion: '1.1.0' },
        {
          deviceId: gw2.id,
          deviceName: 'gw-02',
          compatible: false,
          reason: { code: 'counter_rollback', message: 'the gateway already accepted a newer release' },
          fromVersion: '2.3.0',
          toVersion: '1.1.0',
        },
      ],
    };
    const s = buildSummary(os, [gw1, gw2], [gw1.id, gw2.id], plan);
    assert.equal(s.rows[0]!.fromText, '2.4.0');
    assert.equal(s.rows[1]!.willFlash, false);
    assert.equal(s.rows[1]!.notes[0]!.code, 'counter_rollback');
    assert.equal(s.count, 1);
    assert.equal(s.buttonLabel, 'Flash 1 gateway');
  });
});

test('helpers', () => {
  assert.equal(shortId('0123456789abcdef'.repeat(4)), '0123456789ab');
  assert.equal(inactiveSlot('a'), 'b');
  assert.equal(inactiveSlot('b'), 'a');
});
