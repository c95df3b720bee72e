/**
 * Plain data for the Flash view's unit tests: bundles, gateways, check results, flash targets.
 * (Not a test file itself: node:test only runs *.test.ts.)
 */
import type { BundleCheck, BundleSummary, BundleTargetCheck, Device, FlashTarget } from '../../core/api/schemas.js';

export const BUNDLE_ID = 'b'.repeat(64);

export function bundle(over: Partial<BundleSummary> = {}): BundleSummary {
  return {
    id: BUNDLE_ID,
    fileName: 'classifier.flb',
    size: 2048,
    kind: 'model',
    name: 'Fieldline Demo Classifier',
    version: '1.0.0',
    importedAt: 1_000,
    verifiedAt: 1_000,
    status: 'verified',
    reason: null,
    warnings: 0,
    signers: [],
    hardware: [{ model: 'EdgeBox X1', revisions: [] }],
    ...over,
  };
}

export function device(n: number, over: Partial<Device> = {}): Device {
  const id = String(n).repeat(64).slice(0, 64);
  return {
    id,
    name: `gw-0${n}`,
    vendor: 'Fieldline',
    model: 'EdgeBox X1',
    serial: `SN${n}`,
    firmware: '2.3.0',
    paths: [],
    state: 'online',
    firstSeen: 0,
    lastSeen: 0,
    authenticated: false,
    descriptor: {
      protocol: 1,
      id,
      publicKey: '00',
      name: `gw-0${n}`,
      vendor: 'Fieldline',
      model: 'EdgeBox X1',
      hardwareRevision: 'B',
      serial: `SN${n}`,
      firmware: { version: '2.3.0', activeSlot: 'a' },
      slots: [],
      models: [],
      accelerators: [],
      capabilities: [],
      maxFrame: 262144,
    },
    ...over,
  };
}

export function checkResult(
  deviceId: string,
  checks: BundleCheck[],
  reason: { code: string; message: string } | null = null,
): BundleTargetCheck {
  return {
    bundle: bundle({ status: reason === null ? 'verified' : 'refused', reason }),
    checks,
    manifest: null,
    manifestJson: null,
    deviceId,
    checkedAt: 0,
  };
}

export function target(over: Partial<FlashTarget> = {}): FlashTarget {
  return {
    deviceId: '1'.repeat(64),
    deviceName: 'gw-01',
    step: 'preflight',
    state: 'pending',
    bytesSent: 0,
    bytesTotal: 0,
    rateBps: 0,
    etaSeconds: null,
    resumedFrom: null,
    error: null,
    fromVersion: null,
    toVersion: '1.0.0',
    rollback: null,
    updatedAt: 1,
    ...over,
  };
}
