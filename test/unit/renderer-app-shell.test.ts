/**
 * The page's side of the desktop shell: the engine banner's words and what each menu command does.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appCommandName } from '../../core/api/schemas.js';
import { commandPlan } from '../../renderer/app/command-plan.js';
import { engineBanner } from '../../renderer/status/engine-banner.js';

describe('engine banner', () => {
  test('nothing while the engine runs, or before the shell said anything', () => {
    assert.equal(engineBanner(null), null);
    assert.equal(engineBanner({ state: 'running', reason: null, restarts: 2, resumedJobs: 1 }), null);
  });

  test('restarting: the reason, and that flash jobs will resume', () => {
    const text = engineBanner({ state: 'restarting', reason: 'the engine process exited with code 139.', restarts: 1, resumedJobs: 0 });
    assert.equal(text?.title, 'The engine stopped: the engine process exited with code 139. Restarting… your flash jobs will resume.');
    assert.equal(text?.tone, 'busy');
  });

  test('failed: the reason and what to do', () => {
    const text = engineBanner({ state: 'failed', reason: 'the store is locked', restarts: 6, resumedJobs: 0 });
    assert.equal(text?.title, 'The engine could not be kept running: the store is locked.');
    assert.match(text?.detail ?? '', /Restart Fieldline.*resumed from the Flash view/);
    assert.equal(text?.tone, 'error');
  });
});

describe('menu commands in the page', () => {
  test("every command lands on a view; import and export press the view's own control", () => {
    for (const command of appCommandName.options)
      assert.ok(['devices', 'bundles', 'flash', 'bench', 'audit'].includes(commandPlan(command).view), command);
    assert.deepEqual(commandPlan('view.bench'), { view: 'bench' });
    assert.deepEqual(commandPlan('bundles.import'), { view: 'bundles', press: 'bundle-import' });
    assert.deepEqual(commandPlan('audit.export'), { view: 'audit', press: 'audit-export' });
  });
});
