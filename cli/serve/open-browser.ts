/**
 * Opens the printed link in the desktop's browser, if there is one. Never fails the command:
 * on a headless commissioning box the link in the terminal is the way in.
 */
import { spawn } from 'node:child_process';

function opener(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): { command: string; args: (url: string) => string[] } | null {
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: (url) => [url] };
    case 'win32':
      // `start` is a cmd built-in; the empty string is the window title it would otherwise take from the URL.
      return { command: 'cmd', args: (url) => ['/c', 'start', '""', url.replace(/&/g, '^&')] };
    default:
      // Without a display, xdg-open would fall back to a text browser inside our terminal.
      if (env.DISPLAY === undefined && env.WAYLAND_DISPLAY === undefined) return null;
      return { command: 'xdg-open', args: (url) => [url] };
  }
}

/** Resolves to whether an opener was started; its own failure is ignored. */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): boolean {
  const how = opener(platform, env);
  if (how === null) return false;
  try {
    const child = spawn(how.command, how.args(url), { detached: true, stdio: 'ignore', windowsHide: true });
    child.on('error', () => {
      // Opener not installed: the link is printed, nothing else to do.
    });
    child.unref();
    return true;
  } catch {
    return false;
  }
}
