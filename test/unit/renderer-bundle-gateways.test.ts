/**
 * How a bundles.check result reads in the bundle panel's Gateways section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BundleCheck, BundleTargetCheck } from '../../core/api/schemas.js';
import { gatewayVerdict } from '../../renderer/bundles/format.js';

function result(checks: BundleCheck[], reason: { code: string; message: string } | null = null): BundleTargetCheck {
  return {
    bundle: {
      id: 'a'.repeat(64),
      fileName: 'os.flb',
      size: 1,
      kind: 'os-image',
      name: 'Gateway OS',
      version: '1.0.0',
      importedAt: 0,
      verifiedAt: 0,
      status: reason === null ? 'verified' : 'refused',
      reason,
      warnings: checks.filter((c) => c.status === 'warn').length,
      signers: [],
      hardware: [],
    },
    checks,
    manifest: null,
    manifestJson: null,
    deviceId: 'b'.repeat(64),
    checkedAt: 0,
  };
}

const clockWarning: BundleCheck = { id: 'clock', status: 'warn', code: 'clock_uncertain', message: 'the laptop clock is behind' };
const sameVersion: BundleCheck = { id: 'version', status: 'warn', code: 'same_version', message: 'already installed' };

test('nothing failed or warned about the gateway: Compatible', () => {
  assert.deepEqual(gatewayVerdict(result([{ id: 'hardware', status: 'pass', message: 'built for X1' }])), {
    verdict: 'compatible',
    text: 'Compatible',
    code: null,
    notes: [],
  });
});

test('a refusal reads "Not compatible: <reason>" with its code, and keeps the clock warning as a note', () => {
  const v = gatewayVerdict(result([clockWarning], { code: 'hardware_incompatible', message: 'this bundle is for X2' }));
  assert.equal(v.verdict, 'incompatible');
  assert.equal(v.text, 'Not compatible: this bundle is for X2');
  assert.equal(v.code, 'hardware_incompatible');
  assert.deepEqual(v.notes, [clockWarning]);
});

test('the same version installed is a warning; other warnings stay notes, not the verdict', () => {
  const v = gatewayVerdict(result([clockWarning, sameVersion]));
  assert.equal(v.verdict, 'warning');
  assert.equal(v.text, 'Warning: same version already installed');
  assert.deepEqual(v.notes, [clockWarning]);
  assert.equal(gatewayVerdict(result([clockWarning])).verdict, 'compatible', 'a clock warning alone does not make a gateway a warning');
});
