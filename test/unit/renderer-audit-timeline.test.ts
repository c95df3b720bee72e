/**
 * The audit timeline's rows: an intent and its result read as one row, an unanswered intent says
 * whether it is still running or will never be answered, pages merge without duplicates.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mergeEntries,
  pendingState,
  resultOf,
  rowAction,
  rowDevice,
  timelineRows,
  type AuditEntry,
} from '../../renderer/audit/timeline.js';

const SESSION_A = 'a'.repeat(16);
const SESSION_B = 'b'.repeat(16);
const GW = '9'.repeat(64);

function entry(seq: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    v: 1,
    log: 'f'.repeat(64),
    seq,
    time: 1_700_000_000_000 + seq * 1000,
    mono: seq,
    session: SESSION_A,
    technician: { keyId: 'e'.repeat(64), name: 'Ana' },
    site: null,
    device: null,
    action: 'discovery.start',
    phase: 'event',
    intent: null,
    params: {},
    result: 'ok',
    error: null,
    app: 'fieldline/0.1.0',
    prev: '0'.repeat(64),
    hash: seq.toString(16).padStart(64, '0'),
    ...over,
  };
}

const intent = (seq: number, over: Partial<AuditEntry> = {}): AuditEntry =>
  entry(seq, { phase: 'intent', result: null, action: 'device.authenticate', device: GW, ...over });
const result = (seq: number, of: number, over: Partial<AuditEntry> = {}): AuditEntry =>
  entry(seq, { phase: 'result', intent: of, result: 'ok', action: 'device.authenticate', device: GW, ...over });

describe('audit timeline rows', () => {
  test('a result and its intent make one row, newest first; events stand alone', () => {
    const rows = timelineRows([entry(1), intent(2), entry(3), result(4, 2)], SESSION_A);
    assert.deepEqual(
      rows.map((r) => [r.kind, r.entry.seq]),
      [
        ['outcome', 4],
        ['event', 3],
        ['event', 1],
      ],
    );
    const outcome = rows[0]!;
    assert.equal(outcome.kind, 'outcome');
    if (outcome.kind === 'outcome') {
      assert.equal(outcome.intent?.seq, 2);
      assert.equal(outcome.intentSeq, 2);
    }
  });

  test('a result whose intent is on an older page still names it, and joins it once loaded', () => {
    const page1 = [result(10, 7), entry(9)];
    const rows = timelineRows(page1, SESSION_A);
    assert.equal(rows[0]?.kind, 'outcome');
    if (rows[0]?.kind === 'outcome') {
      assert.equal(rows[0].intent, null);
      assert.equal(rows[0].intentSeq, 7);
    }
    const merged = mergeEntries(page1, [entry(8), intent(7)]);
    const after = timelineRows(merged, SESSION_A);
    assert.deepEqual(
      after.map((r) => r.entry.seq),
      [10, 9, 8],
    );
    if (after[0]?.kind === 'outcome') assert.equal(after[0].intent?.seq, 7);
  });

  test('an unanswered intent is in progress in the same session, without a result after a restart', () => {
    assert.equal(pendingState(intent(5), SESSION_A), 'in-progress');
    assert.equal(pendingState(intent(5), SESSION_B), 'no-result');
    assert.equal(pendingState(intent(5), null), 'in-progress');
    const rows = timelineRows([intent(5), entry(6, { session: SESSION_B })], SESSION_B);
    const pending = rows.find((r) => r.entry.seq === 5);
    assert.deepEqual(pending?.kind === 'pending' ? pending.state : null, 'no-result');
  });

  test('failed and refused results keep their outcome and error on the row', () => {
    const failed = result(3, 2, { result: 'failed', error: { code: 'timeout', message: 'The gateway did not answer' } });
    const rows = timelineRows([intent(2), failed], SESSION_A);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.entry.result, 'failed');
    assert.equal(rows[0]?.entry.error?.message, 'The gateway did not answer');
  });

  test('the row names the intent’s action and the device the result learnt', () => {
    const add = intent(2, { action: 'device.add', device: null });
    const added = result(3, 2, { action: 'device.add', device: null, params: { device: GW, name: 'gw-1' } });
    const [row] = timelineRows([add, added], SESSION_A);
    assert.ok(row);
    assert.equal(rowAction(row), 'device.add');
    assert.equal(rowDevice(row), GW);
    const [plain] = timelineRows([entry(1)], SESSION_A);
    assert.ok(plain);
    assert.equal(rowDevice(plain), null);
  });

  test('merging pages keeps one copy of each seq, newest first, the fresh copy winning', () => {
    const merged = mergeEntries([entry(5), entry(3)], [entry(4), entry(5, { action: 'discovery.stop' })]);
    assert.deepEqual(
      merged.map((e) => e.seq),
      [5, 4, 3],
    );
    assert.equal(merged[0]?.action, 'discovery.stop');
  });

  test('resultOf finds the result naming an intent among loaded entries', () => {
    const entries = [intent(2), result(4, 2), intent(3)];
    assert.equal(resultOf(entries, 2)?.seq, 4);
    assert.equal(resultOf(entries, 3), undefined);
  });
});
