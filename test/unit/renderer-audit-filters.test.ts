/**
 * The audit filters as `audit.list` params: families as action prefixes, local days, bad custom
 * dates refused with a sentence, paging with `before`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_FILTERS, PAGE_SIZE, filtersToParams, hasFilters, localDayStart } from '../../renderer/audit/filters.js';

const NOW = new Date(2026, 10, 26, 15, 30, 0).getTime(); // 26 Nov 2026, 15:30 local

describe('audit filters → audit.list params', () => {
  test('no filters: only the page size', () => {
    assert.deepEqual(filtersToParams(NO_FILTERS, NOW), { ok: true, params: { limit: PAGE_SIZE } });
    assert.equal(hasFilters(NO_FILTERS), false);
  });

  test('device, action family and result pass through; paging adds before', () => {
    const check = filtersToParams({ ...NO_FILTERS, deviceId: 'ab'.repeat(32), family: 'flash', result: 'failed' }, NOW, 42);
    assert.deepEqual(check, {
      ok: true,
      params: { deviceId: 'ab'.repeat(32), action: 'flash', result: 'failed', before: 42, limit: PAGE_SIZE },
    });
  });

  test('today starts at local midnight; 7 days is a week before now', () => {
    assert.deepEqual(filtersToParams({ ...NO_FILTERS, range: 'today' }, NOW), {
      ok: true,
      params: { from: new Date(2026, 10, 26).getTime(), limit: PAGE_SIZE },
    });
    assert.deepEqual(filtersToParams({ ...NO_FILTERS, range: '7d' }, NOW), {
      ok: true,
      params: { from: NOW - 7 * 24 * 3600 * 1000, limit: PAGE_SIZE },
    });
  });

  test('custom dates cover whole local days, both inclusive, either end open', () => {
    const both = filtersToParams({ ...NO_FILTERS, range: 'custom', from: '2026-11-01', to: '2026-11-03' }, NOW);
    assert.deepEqual(both, {
      ok: true,
      params: { from: new Date(2026, 10, 1).getTime(), to: new Date(2026, 10, 4).getTime() - 1, limit: PAGE_SIZE },
    });
    const openEnd = filtersToParams({ ...NO_FILTERS, range: 'custom', from: '2026-11-01', to: '' }, NOW);
    assert.deepEqual(openEnd, { ok: true, params: { from: new Date(2026, 10, 1).getTime(), limit: PAGE_SIZE } });
    const neither = filtersToParams({ ...NO_FILTERS, range: 'custom' }, NOW);
    assert.deepEqual(neither, { ok: true, params: { limit: PAGE_SIZE } });
  });

  test('a start after the end, or a date that does not exist, is refused with what to do', () => {
    const swapped = filtersToParams({ ...NO_FILTERS, range: 'custom', from: '2026-11-05', to: '2026-11-01' }, NOW);
    assert.deepEqual(swapped, { ok: false, message: 'The start date is after the end date: swap them.' });
    const bad = filtersToParams({ ...NO_FILTERS, range: 'custom', from: '2026-02-31' }, NOW);
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.message, /“2026-02-31” is not a date/);
    assert.equal(localDayStart('26/11/2026'), null);
    assert.equal(localDayStart('2026-11-26'), new Date(2026, 10, 26).getTime());
  });

  test('any filter other than the defaults counts as filtering', () => {
    assert.equal(hasFilters({ ...NO_FILTERS, result: 'ok' }), true);
    assert.equal(hasFilters({ ...NO_FILTERS, range: 'today' }), true);
  });
});
