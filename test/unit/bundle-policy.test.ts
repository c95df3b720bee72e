/**
 * Target policy: hardware, anti-rollback counter, expiry and clock uncertainty, same-version reinstall.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkClock, checkTarget, type Check, type Target } from '../../core/bundle/index.js';
import { manifestFor, NOW, payloadOf } from '../helpers/bundle-craft.js';

const manifest = manifestFor([payloadOf('rootfs.img', Buffer.from('x'))]);
const target: Target = { model: 'EG-400', hardwareRevision: 'C', securityCounter: 5, firmwareVersion: '2.0.3', models: [] };
const clock = { now: NOW, trustedTimeFloor: NOW - 3600_000 };
const DAY = 86_400_000;

function byId(checks: readonly Check[], id: Check['id']): Check {
  const c = checks.find((x) => x.id === id);
  assert.ok(c, `no ${id} check`);
  return c;
}

describe('target policy', () => {
  test('a compatible, newer, valid bundle passes every check', () => {
    const checks = checkTarget(manifest, target, clock);
    assert.deepEqual(
      checks.map((c) => c.status),
      ['pass', 'pass', 'pass', 'pass', 'pass'],
    );
    assert.equal(byId(checks, 'version').message, 'replaces 2.0.3 with 2.1.0');
  });

  test('hardware model mismatch', () => {
    const c = byId(checkTarget(manifest, { ...target, model: 'EG-200' }, clock), 'hardware');
    assert.equal(c.code, 'hardware_incompatible');
    assert.equal(
      c.message,
      'this bundle is for EG-400 (rev B, C); this gateway is model EG-200 rev C. Pick the bundle built for this model',
    );
  });

  test('hardware revision mismatch', () => {
    const c = byId(checkTarget(manifest, { ...target, hardwareRevision: 'A' }, clock), 'hardware');
    assert.equal(c.code, 'hardware_incompatible');
    assert.equal(
      c.message,
      'this bundle supports EG-400 revisions B, C; the gateway is revision A. Pick the bundle built for this revision',
    );
  });

  test('an empty revision list means any revision', () => {
    const any = manifestFor(manifest.payloads, { hardware: [{ model: 'EG-400', revisions: [] }] });
    assert.equal(byId(checkTarget(any, { ...target, hardwareRevision: 'Z' }, clock), 'hardware').status, 'pass');
  });

  test('security counter rollback', () => {
    const c = byId(checkTarget(manifest, { ...target, securityCounter: 6 }, clock), 'security-counter');
    assert.equal(c.code, 'counter_rollback');
    assert.equal(
      c.message,
      "the bundle's security counter is 5, below the 6 the gateway has already accepted; installing it would roll back security fixes, so the gateway would refuse it. Use a newer release",
    );
    assert.equal(byId(checkTarget(manifest, { ...target, securityCounter: 5 }, clock), 'security-counter').status, 'pass');
  });

  test('expired', () => {
    const c = byId(
      checkTarget(manifest, target, { now: Date.parse('2027-03-01T00:00:00Z'), trustedTimeFloor: Date.parse('2027-02-28T00:00:00Z') }),
      'validity',
    );
    assert.equal(c.code, 'expired');
    assert.equal(c.message, 'the bundle expired on 2027-02-01T00:00:00Z, 28 days ago. Get the current release from its publisher');
  });

  test('a clock set back before the last trusted time cannot revive an expired bundle', () => {
    const checks = checkTarget(manifest, target, {
      now: Date.parse('2026-06-01T00:00:00Z'),
      trustedTimeFloor: Date.parse('2027-03-01T00:00:00Z'),
    });
    const clockCheck = byId(checks, 'clock');
    assert.equal(clockCheck.status, 'warn');
    assert.equal(clockCheck.code, 'clock_uncertain');
    assert.equal(
      clockCheck.message,
      'the laptop clock (2026-06-01T00:00:00Z) is 273 days behind the last trusted time (2027-03-01T00:00:00Z); it may have been set back. Expiry is judged against the trusted time instead. Correct the laptop clock',
    );
    const validity = byId(checks, 'validity');
    assert.equal(validity.code, 'expired');
    assert.equal(
      validity.message,
      'the bundle expired on 2027-02-01T00:00:00Z, 28 days ago (judged by the last trusted time, later than the laptop clock). Get the current release from its publisher',
    );
  });

  test('not yet valid', () => {
    const c = byId(
      checkTarget(manifest, target, { now: Date.parse('2026-01-31T00:00:00Z'), trustedTimeFloor: Date.parse('2026-01-30T00:00:00Z') }),
      'validity',
    );
    assert.equal(c.code, 'not_yet_valid');
    assert.equal(
      c.message,
      'the bundle says it was created on 2026-02-01T00:00:00Z, 24 hours in the future by this clock (2026-01-31T00:00:00Z). Either the laptop clock is wrong (fix it) or the bundle was signed on a machine with a wrong clock (ask for it to be re-signed)',
    );
  });

  test('clock uncertain: the last trusted time is older than 30 days', () => {
    const c = checkClock({ now: NOW, trustedTimeFloor: NOW - 45 * DAY });
    assert.equal(c.status, 'warn');
    assert.equal(c.code, 'clock_uncertain');
    assert.equal(
      c.message,
      'the last trusted time is 45 days old (2026-01-15T12:00:00Z), so the laptop clock (2026-03-01T12:00:00Z) could be off by up to that much; expiry is judged by the laptop clock. Connect to a gateway to refresh the trusted time',
    );
    assert.equal(checkClock({ now: NOW, trustedTimeFloor: null }).code, 'clock_uncertain');
    assert.equal(checkClock({ now: NOW, trustedTimeFloor: NOW - 29 * DAY }).status, 'pass');
  });

  test('same version: reinstalling an OS image or a model warns', () => {
    const os = byId(checkTarget(manifest, { ...target, firmwareVersion: '2.1.0' }, clock), 'version');
    assert.equal(os.status, 'warn');
    assert.equal(os.code, 'same_version');
    assert.equal(os.message, 'Gateway OS 2.1.0 is already installed on this gateway; installing it again is a reinstall');
    const model = manifestFor([payloadOf('m.onnx', Buffer.from('m'), 'model')], { kind: 'model', name: 'detector', version: '1.0.0' });
    const m = byId(checkTarget(model, { ...target, models: [{ name: 'detector', version: '1.0.0' }] }, clock), 'version');
    assert.equal(m.code, 'same_version');
    assert.equal(
      byId(checkTarget(model, { ...target, models: [{ name: 'detector', version: '0.9.0' }] }, clock), 'version').message,
      'replaces 0.9.0 with 1.0.0',
    );
  });
});
