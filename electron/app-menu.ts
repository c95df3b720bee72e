/**
 * Installs the application menu (menu-template.ts) with its Electron glue: commands to the page
 * through the engine host, the About box, and the documents shipped with the app.
 *
 * Electron's default menu links to electronjs.org; a field tool should not offer to open a
 * browser on the internet. Developer tools stay reachable only in unpackaged builds.
 */
import { join } from 'node:path';
import { app, dialog, Menu, shell } from 'electron';
import type { AppCommandName } from '../core/api/schemas.js';
import { aboutText, menuTemplate } from './menu-template.js';

export interface AppMenuOptions {
  readonly send: (command: AppCommandName, paths?: readonly string[]) => void;
  /** The folder holding the shipped documents. */
  readonly docsDir: string;
  readonly log: (line: string) => void;
}

export function installAppMenu({ send, docsDir, log }: AppMenuOptions): void {
  const template = menuTemplate({
    platform: process.platform,
    packaged: app.isPackaged,
    appName: 'Fieldline',
    send,
    chooseBundles: () => {
      // The shell's own dialog: a page may not open a file picker without a click in it.
      void dialog
        .showOpenDialog({
          title: 'Import bundles',
          properties: ['openFile', 'multiSelections'],
          filters: [{ name: 'Fieldline bundles', extensions: ['flb'] }],
        })
        .then(({ canceled, filePaths }) => {
          if (!canceled && filePaths.length > 0) send('bundles.import', filePaths);
        });
    },
    showAbout: () => {
      const { message, detail } = aboutText('Fieldline', app.getVersion(), process.versions);
      void dialog.showMessageBox({ type: 'info', title: 'About Fieldline', message, detail, buttons: ['OK'] });
    },
    openDoc: (file) => {
      const path = join(docsDir, file);
      // shell.openPath opens a local file with its viewer; it never takes a URL.
      void shell.openPath(path).then((error) => {
        if (error) log(`could not open ${path}: ${error}`);
      });
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
