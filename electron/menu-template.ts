/**
 * The application menu as data: File, Edit, View, Window, Help with the usual shortcuts.
 *
 * Pure (Electron's types only), so labels, accelerators and what is left out of a packaged build
 * are unit-tested. Commands that act in the page go to it as `app.command` events; nothing here
 * opens a website: Help opens the documents shipped with the app.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommandName } from '../core/api/schemas.js';

/** The documents Help offers, as files inside the app (docs/). */
export const HELP_DOCS = [
  { label: 'Bundle format', file: 'bundle-format.md' },
  { label: 'Audit log format', file: 'audit-format.md' },
  { label: 'Gateway protocol', file: 'protocol.md' },
] as const;

/** View switching: CmdOrCtrl+1…5, in the order of the page's own navigation. */
export const VIEW_COMMANDS = [
  { label: 'Devices', command: 'view.devices' },
  { label: 'Bundles', command: 'view.bundles' },
  { label: 'Flash', command: 'view.flash' },
  { label: 'Benchmarks', command: 'view.bench' },
  { label: 'Audit', command: 'view.audit' },
] as const satisfies readonly { label: string; command: AppCommandName }[];

export interface MenuContext {
  readonly platform: NodeJS.Platform;
  /** Packaged builds have no reload and no developer tools. */
  readonly packaged: boolean;
  readonly appName: string;
  /** Sends a command to the page. */
  readonly send: (command: AppCommandName) => void;
  /** Import bundle…: the native open dialog, then the chosen files to the page. */
  readonly chooseBundles: () => void;
  readonly showAbout: () => void;
  /** Opens one of HELP_DOCS (by file name) with the system's viewer for local files. */
  readonly openDoc: (file: string) => void;
}

export function menuTemplate(context: MenuContext): MenuItemConstructorOptions[] {
  const isMac = context.platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: `About ${context.appName}`, click: context.showAbout };
  const file: MenuItemConstructorOptions[] = [
    { label: 'Import bundle…', accelerator: 'CmdOrCtrl+O', click: context.chooseBundles },
    { label: 'Export audit log…', click: () => context.send('audit.export') },
  ];
  if (!isMac) file.push({ type: 'separator' }, { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' });

  const view: MenuItemConstructorOptions[] = VIEW_COMMANDS.map(({ label, command }, i) => ({
    label,
    accelerator: `CmdOrCtrl+${i + 1}`,
    click: () => context.send(command),
  }));
  view.push(
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  );
  if (!context.packaged) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' });

  const help: MenuItemConstructorOptions[] = HELP_DOCS.map(({ label, file }) => ({ label, click: () => context.openDoc(file) }));
  if (!isMac) help.push({ type: 'separator' }, about);

  return [
    ...(isMac
      ? [
          {
            label: context.appName,
            submenu: [
              about,
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ] satisfies MenuItemConstructorOptions[],
          },
        ]
      : []),
    { label: 'File', submenu: file },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    { role: 'help', label: 'Help', submenu: help },
  ];
}

/** The About box's text. */
export function aboutText(
  appName: string,
  version: string,
  versions: { readonly electron?: string; readonly node?: string; readonly chrome?: string },
): { message: string; detail: string } {
  const parts = [
    versions.electron ? `Electron ${versions.electron}` : null,
    versions.chrome ? `Chromium ${versions.chrome}` : null,
    versions.node ? `Node ${versions.node}` : null,
  ].filter((p): p is string => p !== null);
  return {
    message: `${appName} ${version}`,
    detail: `Offline-first field tool for edge-AI gateways.\n${parts.join(' · ')}`,
  };
}
