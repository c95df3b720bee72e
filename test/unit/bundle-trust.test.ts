/**
 * Signatures against the trust policy: thresholds (k of n), roles, revocation, expiry, unknown keys.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSignatures, verifyBundle, type TrustPolicy } from '../../core/bundle/index.js';
import { generateIdentity, type Ed25519Identity } from '../../core/protocol/identity.js';
import {
  demoKey,
  demoPolicy,
  entry,
  envelopeFor,
  manifestEntry,
  manifestFor,
  NOW,
  payloadOf,
  tarBytes,
  tempDir,
  trustedKey,
  type TempDir,
} from '../helpers/bundle-craft.js';

const A = Buffer.from('payload');
const img1 = demoKey('image-signer-1');
const img2 = demoKey('image-signer-2');
const modelKey = demoKey('model-signer');
const img3 = generateIdentity();

function policy2of3(overrides: Partial<Record<'img1' | 'img2' | 'img3', Parameters<typeof trustedKey>[2]>> = {}): TrustPolicy {
  return {
    keys: [
      trustedKey(img1, ['image-signer'], { name: 'Signer One', ...overrides.img1 }),
      trustedKey(img2, ['image-signer'], { name: 'Signer Two', ...overrides.img2 }),
      trustedKey(img3, ['image-signer'], { name: 'Signer Three', ...overrides.img3 }),
      trustedKey(modelKey, ['model-signer'], { name: 'Model Signer' }),
    ],
    thresholds: { 'os-image': 2, firmware: 2, model: 1 },
  };
}

function evaluate(signers: readonly Ed25519Identity[], policy: TrustPolicy, kind: 'os-image' | 'model' = 'os-image') {
  const envelope = envelopeFor(manifestFor([payloadOf('a.bin', A)], { kind }), signers);
  return evaluateSignatures(envelope, policy, kind, NOW);
}

const failures = (r: ReturnType<typeof evaluate>) => r.checks.filter((c) => c.status === 'fail').map((c) => c.code);

describe('signature thresholds and key status', () => {
  let t: TempDir;
  before(async () => {
    t = await tempDir('fieldline-bundle-trust-');
  });
  after(async () => {
    await t.cleanup();
  });

  test('1-of-1: one trusted image signer verifies a whole bundle', async () => {
    const file = await t.file(
      'one.flb',
      tarBytes([manifestEntry(envelopeFor(manifestFor([payloadOf('a.bin', A)]), [img1])), entry('a.bin', A)]),
    );
    const report = await verifyBundle(file, demoPolicy(), { now: NOW });
    assert.equal(report.ok, true, JSON.stringify(report.firstFailure));
    assert.deepEqual(
      report.signers.map((s) => [s.name, s.status, s.counted]),
      [['Demo Image Signer 1', 'valid', true]],
    );
    assert.equal(
      report.checks.find((c) => c.id === 'threshold')?.message,
      '1 valid image-signer signature; 1 required for os-image bundles',
    );
  });

  test('an unsigned bundle misses the threshold', async () => {
    const file = await t.file(
      'unsigned.flb',
      tarBytes([manifestEntry(envelopeFor(manifestFor([payloadOf('a.bin', A)]), [])), entry('a.bin', A)]),
    );
    const report = await verifyBundle(file, demoPolicy(), { now: NOW });
    assert.equal(report.firstFailure?.code, 'threshold_not_met');
    assert.equal(
      report.firstFailure?.message,
      'the bundle is not signed. 0 of 1 required image-signer signature for os-image bundles are valid. 1 more trusted holder must sign it (`fieldline bundle sign`)',
    );
    assert.equal(report.checks.find((c) => c.id === 'payload')?.status, 'skip', 'payloads are not trusted before the signatures are');
  });

  test('2-of-3 met', () => {
    const r = evaluate([img1, img3], policy2of3());
    assert.deepEqual(failures(r), []);
    assert.equal(r.valid, 2);
    assert.equal(r.checks.at(-1)?.message, '2 valid image-signer signatures; 2 required for os-image bundles');
  });

  test('2-of-3 not met', () => {
    const r = evaluate([img2], policy2of3());
    assert.deepEqual(failures(r), ['threshold_not_met']);
    assert.equal(
      r.checks.at(-1)?.message,
      '1 of 2 required image-signer signatures for os-image bundles is valid. 1 more trusted holder must sign it (`fieldline bundle sign`)',
    );
  });

  test('the same key signing twice counts once', () => {
    const envelope = envelopeFor(manifestFor([payloadOf('a.bin', A)]), [img1]);
    const doubled = { ...envelope, signatures: [envelope.signatures[0]!, envelope.signatures[0]!] };
    const r = evaluateSignatures(doubled, policy2of3(), 'os-image', NOW);
    assert.equal(r.valid, 1);
    assert.deepEqual(failures(r), ['threshold_not_met']);
  });

  test('revoked key: fails when it is needed, warns when the threshold is met without it', () => {
    const revoked = policy2of3({ img2: { revokedAt: NOW - 86_400_000, revokedReason: 'laptop stolen' } });
    const needed = evaluate([img1, img2], revoked);
    assert.deepEqual(failures(needed), ['key_revoked', 'threshold_not_met']);
    const check = needed.checks.find((c) => c.code === 'key_revoked')!;
    assert.equal(check.subject, img2.id);
    assert.equal(
      check.message,
      `"Signer Two" (${img2.id.slice(0, 16)}…) was revoked on 2026-02-28 (laptop stolen), so its signature no longer counts. Ask for the bundle to be re-signed with a current key`,
    );
    const spare = evaluate([img1, img2, img3], revoked);
    assert.deepEqual(failures(spare), []);
    assert.equal(spare.checks.find((c) => c.code === 'key_revoked')?.status, 'warn');
  });

  test('expired key', () => {
    const r = evaluate([img1, img2], policy2of3({ img1: { expiresAt: Date.parse('2026-01-01T00:00:00Z') } }));
    assert.deepEqual(failures(r), ['key_expired', 'threshold_not_met']);
    assert.equal(
      r.checks.find((c) => c.code === 'key_expired')?.message,
      `"Signer One" (${img1.id.slice(0, 16)}…) expired on 2026-01-01, so its signature no longer counts. Ask for the bundle to be re-signed with a current key, or check the laptop's clock`,
    );
  });

  test('unknown key', () => {
    const stranger = generateIdentity();
    const r = evaluate([stranger], demoPolicy());
    assert.deepEqual(failures(r), ['key_unknown', 'threshold_not_met']);
    assert.equal(r.signers[0]?.name, null);
    assert.equal(
      r.checks[0]?.message,
      `the signature by key ${stranger.id.slice(0, 16)}… cannot be checked: that key is not in your trust store. If you trust its owner, import their public key (Bundles → Trust store, or \`fieldline bundle trust import\`)`,
    );
  });

  test('wrong role: a model signer cannot approve an os-image', () => {
    const r = evaluate([modelKey], demoPolicy());
    assert.deepEqual(failures(r), ['key_role', 'threshold_not_met']);
    assert.equal(
      r.checks[0]?.message,
      `"Demo Model Signer" (${modelKey.id.slice(0, 16)}…) is trusted as model-signer, not as image-signer, so it cannot approve os-image bundles`,
    );
    assert.deepEqual(failures(evaluate([modelKey], demoPolicy(), 'model')), []);
  });

  test('a trusted key whose signature does not match is always a failure', () => {
    const envelope = envelopeFor(manifestFor([payloadOf('a.bin', A)]), [img1, img2, img3]);
    const forged = {
      ...envelope,
      signatures: envelope.signatures.map((s, i) => (i === 0 ? { ...s, sig: envelope.signatures[1]!.sig } : s)),
    };
    const r = evaluateSignatures(forged, policy2of3(), 'os-image', NOW);
    assert.equal(r.valid, 2, 'the other two still count');
    assert.deepEqual(failures(r), ['signature_invalid']);
  });
});
