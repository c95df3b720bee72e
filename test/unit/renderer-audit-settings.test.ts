/**
 * The upload settings form sends only what changed: a new site name must not resend (and so
 * re-validate) upload settings that were never configured.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditStatus } from '../../core/api/audit-schemas.js';
import { isEmptyPatch, parseBatchSize, settingsFromStatus, settingsPatch } from '../../renderer/audit/settings.js';

const STATUS: AuditStatus = {
  logId: 'a'.repeat(64),
  head: { seq: 10, hash: 'b'.repeat(64) },
  keyProtection: 'file-permissions',
  site: null,
  lastCheckpoint: null,
  sync: {
    state: 'disabled',
    endpoint: null,
    format: 'fieldline',
    pending: 10,
    ackedSeq: 0,
    lastSuccess: null,
    lastError: null,
    nextAttempt: null,
  },
};

describe('upload settings → audit.configure', () => {
  test('the form starts from the status, with no token and the batch size unchanged', () => {
    assert.deepEqual(settingsFromStatus(STATUS), {
      endpoint: '',
      token: '',
      removeToken: false,
      format: 'fieldline',
      batchSize: '',
      site: '',
    });
  });

  test('an untouched form changes nothing', () => {
    const check = settingsPatch(settingsFromStatus(STATUS), STATUS);
    assert.deepEqual(check, { ok: true, params: {} });
    assert.ok(check.ok && isEmptyPatch(check.params));
  });

  test('only the site: only the site is sent, trimmed', () => {
    assert.deepEqual(settingsPatch({ ...settingsFromStatus(STATUS), site: '  Plant 4 ' }, STATUS), {
      ok: true,
      params: { site: 'Plant 4' },
    });
  });

  test('endpoint, token, format and batch size when changed; an emptied field clears', () => {
    const form = {
      endpoint: ' https://audit.example.com ',
      token: 's3cret',
      removeToken: false,
      format: 'otlp' as const,
      batchSize: '250',
      site: '',
    };
    assert.deepEqual(settingsPatch(form, STATUS), {
      ok: true,
      params: { endpoint: 'https://audit.example.com', token: 's3cret', format: 'otlp', batchSize: 250 },
    });
    const configured: AuditStatus = { ...STATUS, site: 'Plant 4', sync: { ...STATUS.sync, endpoint: 'https://audit.example.com' } };
    assert.deepEqual(
      settingsPatch({ ...settingsFromStatus(configured), endpoint: '', site: '', removeToken: true, token: 'ignored' }, configured),
      {
        ok: true,
        params: { endpoint: null, token: null, site: null },
      },
    );
  });

  test('a batch size that is not a whole number is refused before anything is sent', () => {
    assert.equal(parseBatchSize(''), null);
    assert.equal(parseBatchSize(' 500 '), 500);
    assert.equal(parseBatchSize('5e2'), undefined);
    assert.equal(parseBatchSize('-1'), undefined);
    assert.deepEqual(settingsPatch({ ...settingsFromStatus(STATUS), batchSize: 'lots' }, STATUS), {
      ok: false,
      message: 'Give the batch size as a whole number of entries, e.g. 500.',
    });
  });
});
