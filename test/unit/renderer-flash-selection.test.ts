/**
 * Choosing in the Flash view: which bundles and gateways can be chosen, what is preselected, and
 * that a late check result never overrides the technician's own choice.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_SELECTION,
  applyEligibility,
  bundleChoice,
  chosenIds,
  gatewayEligibility,
  orderBundles,
  runLimited,
  tallyChecks,
  toggleGateway,
  type Load,
} from '../../renderer/flash/selection.js';
import type { BundleTargetCheck } from '../../core/api/schemas.js';
import { bundle, checkResult, device } from './renderer-flash-fixtures.js';

const pass = { id: 'hardware', status: 'pass', message: 'built for EdgeBox X1 rev B' } as const;
const same = { id: 'version', status: 'warn', code: 'same_version', message: 'already installed' } as const;
const clock = { id: 'clock', status: 'warn', code: 'clock_uncertain', message: 'The laptop clock may be wrong.' } as const;

function ready(value: BundleTargetCheck): Load<BundleTargetCheck> {
  return { status: 'ready', value };
}

describe('bundleChoice', () => {
  test('a verified bundle can be chosen', () => {
    assert.deepEqual(bundleChoice(bundle()), { choosable: true, reason: null });
  });
  test('a refused bundle cannot, and says why with its code', () => {
    const refused = bundle({ status: 'refused', reason: { code: 'signature_invalid', message: 'the signature does not match' } });
    assert.deepEqual(bundleChoice(refused), {
      choosable: false,
      reason: { code: 'signature_invalid', message: 'the signature does not match' },
    });
  });
  test('a refused bundle without a recorded reason still gets a code', () => {
    assert.equal(bundleChoice(bundle({ status: 'refused', reason: null })).reason?.code, 'bundle_refused');
  });
  test('a bundle whose kind could not be read cannot be chosen', () => {
    assert.equal(bundleChoice(bundle({ kind: null })).choosable, false);
  });
  test('choosable bundles are listed first, newest import first', () => {
    const a = bundle({ id: 'a'.repeat(64), importedAt: 1 });
    const b = bundle({ id: 'c'.repeat(64), importedAt: 5, status: 'refused', reason: { code: 'x', message: 'x' } });
    const c = bundle({ id: 'd'.repeat(64), importedAt: 3 });
    assert.deepEqual(
      orderBundles([a, b, c]).map((x) => x.importedAt),
      [3, 1, 5],
    );
  });
});

describe('gatewayEligibility', () => {
  const gw = device(1);
  test('not checked yet and checking cannot be chosen', () => {
    assert.equal(gatewayEligibility(gw, undefined).kind, 'idle');
    assert.equal(gatewayEligibility(gw, undefined).choosable, false);
    assert.equal(gatewayEligibility(gw, { status: 'loading' }).kind, 'checking');
    assert.equal(gatewayEligibility(gw, { status: 'loading' }).choosable, false);
  });
  test('compatible is choosable and preselected', () => {
    const e = gatewayEligibility(gw, ready(checkResult(gw.id, [pass])));
    assert.equal(e.kind, 'compatible');
    assert.equal(e.choosable, true);
    assert.equal(e.preselect, true);
    assert.equal(e.text, 'Compatible');
  });
  test('incompatible shows the reason sentence and code and cannot be chosen', () => {
    const e = gatewayEligibility(
      gw,
      ready(checkResult(gw.id, [], { code: 'hardware_incompatible', message: 'this bundle is for Sentinel S3' })),
    );
    assert.equal(e.kind, 'incompatible');
    assert.equal(e.choosable, false);
    assert.equal(e.code, 'hardware_incompatible');
    assert.match(e.text, /Not compatible: this bundle is for Sentinel S3/);
  });
  test('same version is a warning: choosable, never preselected', () => {
    const e = gatewayEligibility(gw, ready(checkResult(gw.id, [pass, same])));
    assert.equal(e.kind, 'warning');
    assert.equal(e.choosable, true);
    assert.equal(e.preselect, false);
    assert.equal(e.code, 'same_version');
    assert.match(e.text, /same version/);
  });
  test('other warnings come along as notes', () => {
    const e = gatewayEligibility(gw, ready(checkResult(gw.id, [pass, clock])));
    assert.deepEqual(e.notes, ['The laptop clock may be wrong.']);
  });
  test('a gateway that could not be checked says why, what to do, and the code', () => {
    const e = gatewayEligibility(gw, {
      status: 'error',
      error: { code: 'connect_refused', message: 'gw-01 refused the connection', fix: 'Check the cable.' },
    });
    assert.equal(e.kind, 'unreachable');
    assert.equal(e.choosable, false);
    assert.equal(e.code, 'connect_refused');
    assert.equal(e.fix, 'Check the cable.');
    assert.match(e.text, /^Could not be checked: gw-01 refused the connection$/);
  });
  test('a gateway not seen lately is choosable when compatible but not preselected, with a note', () => {
    const lost = device(2, { state: 'lost' });
    const e = gatewayEligibility(lost, ready(checkResult(lost.id, [pass])));
    assert.equal(e.choosable, true);
    assert.equal(e.preselect, false);
    assert.equal(e.notes.length, 1);
    assert.match(e.notes[0]!, /Not seen lately/);
  });
});

describe('selection', () => {
  const gw1 = device(1);
  const gw2 = device(2);
  const compatible = gatewayEligibility(gw1, ready(checkResult(gw1.id, [pass])));
  const incompatible = gatewayEligibility(gw1, ready(checkResult(gw1.id, [], { code: 'hardware_incompatible', message: 'no' })));
  const reinstall = gatewayEligibility(gw1, ready(checkResult(gw1.id, [pass, same])));

  test('a compatible result preselects an untouched gateway', () => {
    const s = applyEligibility(EMPTY_SELECTION, gw1.id, compatible);
    assert.deepEqual([...s.selected], [gw1.id]);
  });
  test('a result never re-ticks a gateway the technician unticked', () => {
    let s = applyEligibility(EMPTY_SELECTION, gw1.id, compatible);
    s = toggleGateway(s, gw1.id, compatible);
    assert.equal(s.selected.has(gw1.id), false);
    s = applyEligibility(s, gw1.id, compatible);
    assert.equal(s.selected.has(gw1.id), false);
  });
  test('a gateway that turns incompatible is dropped even if ticked by hand', () => {
    let s = toggleGateway(EMPTY_SELECTION, gw1.id, reinstall);
    assert.equal(s.selected.has(gw1.id), true);
    s = applyEligibility(s, gw1.id, incompatible);
    assert.equal(s.selected.has(gw1.id), false);
  });
  test('an incompatible gateway cannot be ticked', () => {
    const s = toggleGateway(EMPTY_SELECTION, gw1.id, incompatible);
    assert.equal(s, EMPTY_SELECTION);
  });
  test('a same-version gateway can be ticked by hand', () => {
    assert.equal(toggleGateway(EMPTY_SELECTION, gw1.id, reinstall).selected.has(gw1.id), true);
  });
  test('chosenIds keeps the order of the list and only choosable, known gateways', () => {
    const checks = new Map<string, Load<BundleTargetCheck>>([
      [gw1.id, ready(checkResult(gw1.id, [pass]))],
      [gw2.id, ready(checkResult(gw2.id, [pass]))],
    ]);
    const selection = { selected: new Set([gw2.id, gw1.id, 'f'.repeat(64)]), touched: new Set<string>() };
    assert.deepEqual(chosenIds(selection, [gw1, gw2], checks), [gw1.id, gw2.id]);
    checks.set(gw2.id, { status: 'loading' });
    assert.deepEqual(chosenIds(selection, [gw1, gw2], checks), [gw1.id]);
  });
  test('tallyChecks counts what the technician reads above the list', () => {
    const gw3 = device(3);
    const gw4 = device(4);
    const checks = new Map<string, Load<BundleTargetCheck>>([
      [gw1.id, ready(checkResult(gw1.id, [pass]))],
      [gw2.id, ready(checkResult(gw2.id, [], { code: 'hardware_incompatible', message: 'no' }))],
      [gw3.id, { status: 'error', error: { code: 'timeout', message: 'no answer' } }],
    ]);
    assert.deepEqual(tallyChecks([gw1, gw2, gw3, gw4], checks), { checking: 1, compatible: 1, incompatible: 1, unreachable: 1 });
  });
});

describe('runLimited', () => {
  test('runs every item with at most `limit` at once', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const items = Array.from({ length: 10 }, (_, i) => i);
    await runLimited(items, 4, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      done.push(i);
      running--;
    });
    assert.equal(peak, 4);
    assert.deepEqual(
      [...done].sort((a, b) => a - b),
      items,
    );
  });
  test('an empty list finishes at once', async () => {
    let calls = 0;
    await runLimited([], 4, async () => {
      calls++;
    });
    assert.equal(calls, 0);
  });
});
