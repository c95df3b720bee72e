/**
 * The application menu template: labels and shortcuts, commands reaching the page as the
 * contract's closed list, no website anywhere, no developer tools in a packaged build.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appCommandName } from '../../core/api/schemas.js';
import { aboutText, HELP_DOCS, menuTemplate, type MenuContext } from '../../electron/menu-template.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

type MenuItemConstructorOptions = ReturnType<typeof menuTemplate>[number];

function build(over: Partial<MenuContext> = {}) {
  const sent: string[] = [];
  const opened: string[] = [];
  let abouts = 0;
  const template = menuTemplate({
    platform: 'linux',
    packaged: true,
    appName: 'Fieldline',
    send: (c) => sent.push(c),
    // The native dialog's answer stands in for the files a technician picks.
    chooseBundles: () => sent.push('dialog:bundles'),
    showAbout: () => abouts++,
    openDoc: (f) => opened.push(f),
    ...over,
  });
  return { template, sent, opened, abouts: () => abouts };
}

function flatten(items: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function submenu(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = template.find((m) => m.label === label);
  assert.ok(menu && Array.isArray(menu.submenu), `a ${label} menu`);
  return menu.submenu;
}

function click(item: MenuItemConstructorOptions | undefined): void {
  assert.ok(item?.click, `${item?.label} has an action`);
  // The template's actions take no arguments; Electron passes some we do not use.
  (item.click as () => void)();
}

describe('application menu', () => {
  test('top level: File, Edit, View, Window, Help (and the app menu first on macOS)', () => {
    assert.deepEqual(
      build().template.map((m) => m.label ?? m.role),
      ['File', 'editMenu', 'View', 'windowMenu', 'Help'],
    );
    assert.deepEqual(
      build({ platform: 'darwin' }).template.map((m) => m.label ?? m.role),
      ['Fieldline', 'File', 'editMenu', 'View', 'windowMenu', 'Help'],
    );
  });

  test('File: Import bundle… on CmdOrCtrl+O opens the native dialog; Export audit log… reaches the page; Quit', () => {
    const { template, sent } = build();
    const file = submenu(template, 'File');
    const items = file.filter((i) => i.type !== 'separator');
    assert.deepEqual(
      items.map((i) => [i.label, i.accelerator ?? null]),
      [
        ['Import bundle…', 'CmdOrCtrl+O'],
        ['Export audit log…', null],
        ['Quit', 'CmdOrCtrl+Q'],
      ],
    );
    assert.equal(items[2]!.role, 'quit', 'Quit goes through before-quit (the running-jobs prompt)');
    click(items[0]);
    click(items[1]);
    assert.deepEqual(sent, ['dialog:bundles', 'audit.export']);
  });

  test('View: the five views on CmdOrCtrl+1..5, zoom and full screen', () => {
    const { template, sent } = build();
    const view = submenu(template, 'View');
    const views = view.filter((i) => i.accelerator?.match(/^CmdOrCtrl\+\d$/));
    assert.deepEqual(
      views.map((i) => [i.label, i.accelerator]),
      [
        ['Devices', 'CmdOrCtrl+1'],
        ['Bundles', 'CmdOrCtrl+2'],
        ['Flash', 'CmdOrCtrl+3'],
        ['Benchmarks', 'CmdOrCtrl+4'],
        ['Audit', 'CmdOrCtrl+5'],
      ],
    );
    for (const item of views) click(item);
    assert.deepEqual(sent, ['view.devices', 'view.bundles', 'view.flash', 'view.bench', 'view.audit']);
    const roles = view.map((i) => i.role).filter(Boolean);
    assert.deepEqual(roles, ['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
  });

  test("every command sent is one of the contract's app commands", () => {
    const { template, sent } = build({ packaged: false });
    for (const item of flatten(template)) if (item.click && !item.role) click(item);
    const commands = sent.filter((c) => c !== 'dialog:bundles');
    assert.ok(commands.length >= 6);
    for (const c of commands) assert.ok(appCommandName.safeParse(c).success, c);
  });

  test('reload and developer tools only in an unpackaged build', () => {
    const roles = (packaged: boolean) => flatten(build({ packaged }).template).map((i) => i.role);
    for (const role of ['reload', 'forceReload', 'toggleDevTools'] as const) {
      assert.equal(roles(true).includes(role), false, `${role} absent when packaged`);
      assert.equal(roles(false).includes(role), true, `${role} present unpackaged`);
    }
    assert.equal(JSON.stringify(build({ packaged: true, platform: 'darwin' }).template).includes('DevTools'), false);
  });

  test('Help opens the documents shipped with the app and About; no website anywhere', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const { template, opened, abouts } = build({ platform, packaged: false });
      const text = JSON.stringify(template);
      assert.doesNotMatch(text, /https?:|www\.|\.com\b|\.org\b/i, `${platform}: no URL in the menu`);
      assert.equal(
        flatten(template).some((i) => i.role === 'help' && !Array.isArray(i.submenu)),
        false,
        'no default Help (it links to electronjs.org)',
      );
      const help = submenu(template, 'Help');
      for (const item of help) if (item.click) click(item);
      assert.deepEqual(
        opened,
        HELP_DOCS.map((d) => d.file),
      );
      if (platform !== 'darwin') assert.equal(abouts(), 1);
      const appMenu = template.find((m) => m.label === 'Fieldline');
      if (platform === 'darwin') {
        click((appMenu!.submenu as MenuItemConstructorOptions[])[0]);
        assert.equal(abouts(), 1, 'macOS: About is in the app menu');
      }
    }
    for (const doc of HELP_DOCS)
      assert.ok(existsSync(join(import.meta.dirname, '..', '..', 'docs', doc.file)), `${doc.file} ships in docs/`);
  });

  test('About names the version', () => {
    const about = aboutText('Fieldline', '1.2.3', { electron: '33.0.0', node: '20.18.0', chrome: '130.0' });
    assert.equal(about.message, 'Fieldline 1.2.3');
    assert.match(about.detail, /Electron 33\.0\.0 · Chromium 130\.0 · Node 20\.18\.0/);
  });
});
