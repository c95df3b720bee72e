/**
 * The environment the engine's utility process starts with.
 *
 * Only what Node and the OS libraries need to run, plus FIELDLINE_* settings. Everything else
 * is dropped: NODE_OPTIONS or LD_PRELOAD could load foreign code into the process that holds
 * the technician key, and ELECTRON_RUN_AS_NODE and friends change how it starts.
 */
const KEEP = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  // Windows: the process cannot resolve system DLLs or user folders without these.
  'SYSTEMROOT',
  'WINDIR',
  'SYSTEMDRIVE',
  'COMSPEC',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  'PROGRAMFILES',
  'NUMBER_OF_PROCESSORS',
]);

export function engineEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // Windows variable names are case-insensitive ("Path", "SystemRoot").
    const upper = key.toUpperCase();
    if (KEEP.has(upper) || upper.startsWith('FIELDLINE_')) out[key] = value;
  }
  return out;
}
