/**
 * CLI commands that act without the engine leave the same audit entries as the app: creating
 * the profile, trusting a signing key, forgetting a pin, and contacting a gateway with `info`
 * (intent before, result after). The log they leave verifies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import type { AuditEntry } from '../../core/audit/entry.js';
import { addressOf, fieldline, startGateway } from './flash-support.js';

describe('CLI actions on the audit record', () => {
  let dir: string;
  let dataDir: string;
  let gateway: RunningAgent;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-cli-audit-'));
    dataDir = join(dir, 'app');
    gateway = await startGateway(dir, 'gw-cli-audit');
  });

  after(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('profile, trust, pins and info each leave their entries, and the log verifies', async () => {
    const d = ['--data-dir', dataDir];
    assert.equal((await fieldline(['profile', 'create', '--name', 'Ana Field', '--organisation', 'Acme', ...d])).code, 0);
    const keygen = await fieldline(['bundle', 'keygen', '--out', join(dir, 'signer.json'), '--role', 'model-signer']);
    assert.equal(keygen.code, 0, keygen.stderr);
    assert.equal((await fieldline(['bundle', 'trust', 'add', join(dir, 'signer.pub.json'), ...d])).code, 0);
    assert.equal((await fieldline(['pins', 'forget', '--vendor', 'Acme', '--model', 'X1', '--serial', 'SN-1', ...d])).code, 0);
    const info = await fieldline(['info', addressOf(gateway), ...d]);
    assert.equal(info.code, 0, info.stderr);

    const listed = await fieldline(['audit', 'list', '--json', ...d]);
    assert.equal(listed.code, 0, listed.stderr);
    const entries = (JSON.parse(listed.stdout) as AuditEntry[]).reverse();
    const actions = entries.map((e) => `${e.action}:${e.phase}`);
    for (const expected of [
      'profile.create:event',
      'trust.import:event',
      'device.pin-forget:event',
      'device.info:intent',
      'device.info:result',
    ])
      assert.ok(actions.includes(expected), `${expected} in ${actions.join(', ')}`);
    const infoResult = entries.find((e) => e.action === 'device.info' && e.phase === 'result')!;
    assert.equal(infoResult.result, 'ok');
    assert.equal(infoResult.params.device, gateway.id);
    assert.equal(infoResult.technician?.name, 'Ana Field');
    assert.equal(entries.find((e) => e.action === 'device.pin-forget')?.params.forgotten, false);

    const verify = await fieldline(['audit', 'verify', ...d]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});
