/**
 * Words of the Audit view and the status bar's audit item: action names, chain reports, sync
 * states with relative times and countdowns, key protection, exports, parameters.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainReportShape, SyncStatusShape } from '../../core/api/audit-schemas.js';
import { actionLabel, ACTION_FAMILIES, isActionFamily } from '../../renderer/audit/actions.js';
import {
  chainSummary,
  countdown,
  exportSummary,
  formatCount,
  keyProtectionText,
  paramRows,
  since,
  syncHeadline,
  uncheckedNote,
} from '../../renderer/audit/format.js';
import { auditStatusText } from '../../renderer/status/audit-status.js';

const NOW = 1_800_000_000_000;
const HASH = '3f'.repeat(32);

function sync(over: Partial<SyncStatusShape> = {}): SyncStatusShape {
  return {
    state: 'idle',
    endpoint: 'https://audit.example.com',
    format: 'fieldline',
    pending: 0,
    ackedSeq: 0,
    lastSuccess: null,
    lastError: null,
    nextAttempt: null,
    ...over,
  };
}

function chain(over: Partial<ChainReportShape> = {}): ChainReportShape {
  return { ok: true, entries: 1234, head: { seq: 1234, hash: HASH }, checkpoints: [], checkedAt: NOW, ...over };
}

describe('audit action names', () => {
  test('known actions in plain words', () => {
    assert.equal(actionLabel('device.authenticate'), 'Authenticated');
    assert.equal(actionLabel('bench.run'), 'Benchmark');
    assert.equal(actionLabel('discovery.device-found'), 'Gateway found');
  });
  test('other actions of a known family read "Family: what"', () => {
    assert.equal(actionLabel('flash.transfer'), 'Flash: transfer');
    assert.equal(actionLabel('flash.slot-switch'), 'Flash: slot switch');
  });
  test('unknown actions are shown as the engine wrote them', () => {
    assert.equal(actionLabel('robot.dance'), 'robot.dance');
    assert.equal(actionLabel('flash'), 'flash');
  });
  test('the filter families are the action prefixes the brief names', () => {
    for (const f of ['discovery', 'device', 'bundle', 'trust', 'flash', 'bench', 'diagnose', 'report', 'audit'])
      assert.ok(isActionFamily(f), f);
    assert.equal(isActionFamily('flash.transfer'), false);
    assert.equal(new Set(ACTION_FAMILIES).size, ACTION_FAMILIES.length);
  });
});

describe('audit chain, key and export in words', () => {
  test('a verified chain: entries with grouping, head seq and short hash', () => {
    const s = chainSummary(chain());
    assert.equal(s.ok, true);
    assert.equal(s.headline, `Verified: 1,234 entries, head #1234 (${HASH.slice(0, 12)}…)`);
    assert.match(s.checkpoints, /^No signed checkpoint yet/);
    assert.equal(s.truncation, undefined);
  });
  test('a broken chain names the first bad entry and its reason', () => {
    const s = chainSummary(chain({ ok: false, firstBad: { seq: 42, reason: 'hash does not match its content' } }));
    assert.equal(s.ok, false);
    assert.equal(s.headline, 'Broken at #42: hash does not match its content');
  });
  test('checkpoints counted, mismatches named; a cut-off tail is reported', () => {
    const s = chainSummary(
      chain({
        checkpoints: [
          { seq: 256, source: 'audit.db', ok: true },
          { seq: 512, source: 'gateway gw-1', ok: false, reason: 'signature does not verify' },
        ],
        truncated: { checkpointSeq: 1300, lastSeq: 1234, source: 'gateway gw-1' },
      }),
    );
    assert.equal(s.checkpoints, '1 of 2 signed checkpoints do not match: #512 (gateway gw-1: signature does not verify).');
    assert.equal(
      s.truncation,
      'Entries are missing from the end of the log: gateway gw-1 holds a signed checkpoint at #1300, but the log here ends at #1234.',
    );
    assert.equal(
      chainSummary(chain({ checkpoints: [{ seq: 256, source: 'audit.db', ok: true }] })).checkpoints,
      '1 signed checkpoint checked, all match.',
    );
  });
  test('entries written after a verification are said to be unchecked', () => {
    assert.equal(uncheckedNote(chain(), 1234), null);
    assert.equal(uncheckedNote(chain(), 1235), '1 newer entry is not checked yet: Verify now to include it.');
    assert.equal(uncheckedNote(chain({ head: null }), 3), '3 newer entries are not checked yet: Verify now to include them.');
    assert.equal(uncheckedNote(chain(), null), null);
  });
  test('key protection is told honestly', () => {
    assert.equal(keyProtectionText('os-keychain'), 'Audit key kept in the OS keychain.');
    assert.equal(keyProtectionText('file-permissions'), 'Audit key kept in a file readable only by you (no OS keychain on this host).');
  });
  test('what an export holds', () => {
    assert.equal(exportSummary({ first: 101, last: 250, count: 150 }), 'entries #101–#250, 150 entries');
    assert.equal(exportSummary({ first: 7, last: 7, count: 1 }), 'entry #7, 1 entry');
    assert.equal(formatCount(100000), '100,000');
  });
  test('params as key/value rows; hashes are copyable', () => {
    assert.deepEqual(paramRows({ bundleSha256: HASH, devices: ['a', 'b'], parallel: 4, note: null, model: { name: 'm', version: '1' } }), [
      { key: 'bundleSha256', text: HASH, copyable: true },
      { key: 'devices', text: 'a, b', copyable: false },
      { key: 'parallel', text: '4', copyable: false },
      { key: 'note', text: '—', copyable: false },
      { key: 'model', text: '{"name":"m","version":"1"}', copyable: false },
    ]);
  });
});

describe('audit sync in words, relative and countdown', () => {
  test('relative times and countdowns', () => {
    assert.equal(since(NOW, null), 'never');
    assert.equal(since(NOW, NOW - 5 * 60_000), '5 min ago');
    assert.equal(countdown(NOW, NOW + 40_000), 'in 40 s');
    assert.equal(countdown(NOW, NOW + 39_500), 'in 40 s');
    assert.equal(countdown(NOW, NOW + 3 * 60_000), 'in 3 min');
    assert.equal(countdown(NOW, NOW - 1), 'now');
  });
  test('the sync panel headline', () => {
    assert.equal(syncHeadline(sync(), NOW), 'Up to date: the receiver has every entry');
    assert.equal(syncHeadline(sync({ pending: 12, nextAttempt: NOW + 40_000 }), NOW), '12 entries waiting — next try in 40 s');
    assert.equal(
      syncHeadline(sync({ state: 'offline', pending: 3, nextAttempt: NOW + 40_000 }), NOW),
      'Offline: the receiver cannot be reached — next try in 40 s',
    );
    assert.match(syncHeadline(sync({ state: 'disabled', endpoint: null }), NOW), /^Upload not configured/);
  });
  test('the status bar: pending and last sync, offline with the next try, not configured', () => {
    assert.deepEqual(auditStatusText(sync({ pending: 12, lastSuccess: NOW - 5 * 60_000 }), chain(), NOW), {
      label: 'Audit: 12 pending · synced 5 min ago',
      tone: 'idle',
    });
    assert.equal(auditStatusText(sync({ pending: 12 }), null, NOW).label, 'Audit: 12 pending · never synced');
    assert.equal(auditStatusText(sync({ lastSuccess: NOW - 60_000 }), null, NOW).label, 'Audit: all synced · 1 min ago');
    const offline = auditStatusText(sync({ state: 'offline', pending: 3, nextAttempt: NOW + 40_000 }), null, NOW);
    assert.equal(offline.label, 'Audit: offline — next try in 40 s');
    assert.equal(offline.tone, 'idle', 'offline is normal in the field, not a warning');
    assert.equal(auditStatusText(sync({ state: 'disabled', endpoint: null }), null, NOW).label, 'Audit: not configured');
    assert.equal(auditStatusText(sync({ state: 'error', nextAttempt: NOW + 5000 }), null, NOW).tone, 'warn');
    assert.equal(auditStatusText(null, null, NOW).label, 'Audit: reading…');
  });
  test('the status bar: a broken or cut-off chain is red, whatever the queue says', () => {
    const broken = auditStatusText(sync(), chain({ ok: false, firstBad: { seq: 42, reason: 'entry deleted' } }), NOW);
    assert.deepEqual(broken, { label: 'Audit chain broken at #42', tone: 'error', detail: 'The audit log did not verify: entry deleted' });
    const cut = auditStatusText(sync(), chain({ truncated: { checkpointSeq: 9, lastSeq: 5, source: 'gw-1' } }), NOW);
    assert.equal(cut.tone, 'error');
  });
});
