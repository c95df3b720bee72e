/**
 * Where Fieldline keeps its data on each platform (overridable for tests and portable use).
 */
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIELDLINE_DATA_DIR) return env.FIELDLINE_DATA_DIR;
  switch (platform()) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Fieldline');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Fieldline');
    default:
      return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'fieldline');
  }
}
