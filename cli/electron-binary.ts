/**
 * Finds the Electron binary without `require('electron')`, which would try to download it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronPresence = { readonly ok: true; readonly binary: string } | { readonly ok: false; readonly reason: string };

export function findElectronBinary(root: string, env: NodeJS.ProcessEnv = process.env): ElectronPresence {
  const pkg = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json'))) return { ok: false, reason: 'the electron package is not installed' };
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) {
    return { ok: false, reason: 'the Electron binary was never downloaded (it is fetched on first launch, which needs the internet)' };
  }
  const relative = readFileSync(pathFile, 'utf8').trim();
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? join(override, relative || 'electron') : join(pkg, 'dist', relative);
  if (!existsSync(binary)) return { ok: false, reason: `${binary} does not exist` };
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return { ok: false, reason: 'there is no display (set DISPLAY, e.g. run under xvfb-run)' };
  return { ok: true, binary };
}
