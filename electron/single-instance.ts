/**
 * One Fieldline per user session.
 *
 * Two instances would open the same SQLite store and race for the same serial ports and the
 * UDP probe port; a second launch focuses the first window instead.
 */
import { app, type BrowserWindow } from 'electron';

/** Returns false when another instance already runs (this one should quit at once). */
export function claimSingleInstance(currentWindow: () => BrowserWindow | null): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => {
    const window = currentWindow();
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  });
  return true;
}
