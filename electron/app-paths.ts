/**
 * Where the built app's pieces live, relative to the compiled main process.
 *
 * `tsc` puts electron/ in dist/electron and Vite puts the renderer in dist/renderer; inside a
 * packaged app both sit in the asar archive with the same layout.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const electronDir = dirname(fileURLToPath(import.meta.url));

export const appPaths = {
  /** The sandboxed preload; `.cjs` because a sandboxed preload cannot be an ES module. */
  preload: join(electronDir, 'preload.cjs'),
  /** Entry of the engine's utility process. */
  engineProcess: join(electronDir, 'engine-process.js'),
  /** The built renderer, served to the window through the `app://` scheme. */
  rendererDir: join(electronDir, '..', 'renderer'),
} as const;
