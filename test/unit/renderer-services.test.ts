/**
 * The renderer's API plumbing that runs without a browser: the typed proxy, the envelope reader,
 * error shaping, link wording, relative times.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventName } from '../../core/api/contract.js';
import { createApiProxy } from '../../renderer/services/api-proxy.js';
import { parseServerMessage } from '../../renderer/services/server-message.js';
import { ClientError, toUiError } from '../../renderer/services/ui-error.js';
import { linkText, LINK_FAILURES_BEFORE_ADVICE } from '../../renderer/status/link-text.js';
import { relativeTime } from '../../renderer/shared/relative-time.js';
import { enrolmentCommand } from '../../renderer/profile/enrolment.js';

describe('createApiProxy', () => {
  test('api.ns.method(params) becomes call("ns.method", params), {} when omitted', async () => {
    const calls: [string, unknown][] = [];
    const api = createApiProxy(
      async (method, params) => {
        calls.push([method, params]);
        return method === 'devices.list' ? ['a'] : null;
      },
      () => () => {},
    );
    assert.deepEqual(await api.devices.list({}), ['a']);
    await api.devices.info({ id: 'f'.repeat(64) });
    await api.profile.create({ name: 'Dana', organisation: 'Acme' });
    const untyped = api.discovery as unknown as { stop(): Promise<unknown> };
    await untyped.stop();
    assert.deepEqual(calls, [
      ['devices.list', {}],
      ['devices.info', { id: 'f'.repeat(64) }],
      ['profile.create', { name: 'Dana', organisation: 'Acme' }],
      ['discovery.stop', {}],
    ]);
  });

  test('on() is the event subscription, and the proxy is not thenable', async () => {
    const subscribed: EventName[] = [];
    const api = createApiProxy(
      async () => null,
      (event) => {
        subscribed.push(event);
        return () => {};
      },
    );
    api.on('devices.changed', () => {});
    assert.deepEqual(subscribed, ['devices.changed']);
    assert.equal((api as unknown as { then?: unknown }).then, undefined);
    assert.equal((api.devices as unknown as { then?: unknown }).then, undefined);
    // Awaiting the proxy must give the proxy back, not hang on a fake `then`.
    assert.equal(await Promise.resolve(api), api);
  });
});

describe('parseServerMessage', () => {
  test('reads results, errors with and without fix, and events', () => {
    assert.deepEqual(parseServerMessage('{"type":"result","id":3,"ok":true,"value":[1]}'), {
      ok: true,
      message: { type: 'result', id: 3, ok: true, value: [1] },
    });
    assert.deepEqual(
      parseServerMessage('{"type":"result","id":4,"ok":false,"error":{"code":"unknown_device","message":"gone","fix":"rediscover"}}'),
      {
        ok: true,
        message: { type: 'result', id: 4, ok: false, error: { code: 'unknown_device', message: 'gone', fix: 'rediscover' } },
      },
    );
    assert.deepEqual(parseServerMessage('{"type":"result","id":5,"ok":false,"error":{"code":"x","message":"y"}}'), {
      ok: true,
      message: { type: 'result', id: 5, ok: false, error: { code: 'x', message: 'y' } },
    });
    assert.deepEqual(parseServerMessage('{"type":"event","event":"devices.changed","data":{"kind":"lost"}}'), {
      ok: true,
      message: { type: 'event', event: 'devices.changed', data: { kind: 'lost' } },
    });
  });

  test('rejects anything else with a reason instead of throwing', () => {
    for (const text of [
      'not json',
      '[]',
      'null',
      '{"type":"result","ok":true}',
      '{"type":"result","id":1,"ok":false,"error":{}}',
      '{"type":"event"}',
      '{"type":"hello"}',
    ]) {
      const parsed = parseServerMessage(text);
      assert.equal(parsed.ok, false, text);
      if (!parsed.ok) assert.ok(parsed.reason.length > 0);
    }
  });
});

describe('toUiError', () => {
  test('keeps code, message and fix of API errors', () => {
    assert.deepEqual(
      toUiError(new ClientError('auth_refused', 'The gateway does not trust your key.', 'Ask an administrator to enrol it.')),
      {
        code: 'auth_refused',
        message: 'The gateway does not trust your key.',
        fix: 'Ask an administrator to enrol it.',
      },
    );
  });

  test('never leaves the technician without a message or a code', () => {
    assert.deepEqual(toUiError(new Error('boom')), { code: 'internal', message: 'boom' });
    assert.deepEqual(toUiError('plain text'), { code: 'internal', message: 'plain text' });
    const empty = toUiError(undefined);
    assert.equal(empty.code, 'internal');
    assert.ok(empty.message.length > 10);
  });
});

describe('linkText', () => {
  test('calm while reconnecting, specific advice after repeated failures', () => {
    assert.equal(linkText({ state: 'open', failures: 0 }, 'web').tone, 'ok');
    assert.equal(linkText({ state: 'reconnecting', failures: 1 }, 'web').label, 'Reconnecting to the engine…');
    const stuck = linkText({ state: 'reconnecting', failures: LINK_FAILURES_BEFORE_ADVICE }, 'web');
    assert.equal(stuck.tone, 'warn');
    assert.match(stuck.detail ?? '', /fieldline serve/);
    assert.match(stuck.detail ?? '', /token changes/);
    assert.doesNotMatch(linkText({ state: 'reconnecting', failures: 9 }, 'electron').detail ?? '', /fieldline serve/);
  });
});

describe('relativeTime', () => {
  const now = 10 * 24 * 3600 * 1000;
  test('covers every unit and treats the future as now', () => {
    assert.equal(relativeTime(now, now + 3000), 'just now');
    assert.equal(relativeTime(now, now - 4999), 'just now');
    assert.equal(relativeTime(now, now - 5000), '5 s ago');
    assert.equal(relativeTime(now, now - 59_999), '59 s ago');
    assert.equal(relativeTime(now, now - 60_000), '1 min ago');
    assert.equal(relativeTime(now, now - 3_599_999), '59 min ago');
    assert.equal(relativeTime(now, now - 3_600_000), '1 h ago');
    assert.equal(relativeTime(now, now - 86_400_000), '1 d ago');
    assert.equal(relativeTime(now, now - 3 * 86_400_000 - 5), '3 d ago');
  });
});

describe('enrolment command', () => {
  test('quotes names for the shell', () => {
    assert.equal(enrolmentCommand({ publicKey: 'ab12', name: 'dana' }), 'fieldline agent --trust ab12 --name dana');
    assert.equal(enrolmentCommand({ publicKey: 'ab12', name: "Dana O'Neil" }), "fieldline agent --trust ab12 --name 'Dana O'\\''Neil'");
  });
});
