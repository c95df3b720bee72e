/**
 * Command-line switches of the desktop app, forwarded as-is to the engine process.
 *
 *   --data-dir=PATH          where the store and the technician key live (default: per platform)
 *   --interfaces=lo,eth1     narrow LAN discovery to these interfaces (default: every usable one)
 *   --serial-ports=/dev/X,…  serial ports to probe besides those matching the device catalog
 *   --udp-port=N             UDP probe port (tests run agents on their own port)
 *   --sealed-audit-key=1     (main → engine only) wait for the audit key main unsealed with the OS keychain
 *
 * Pure, so main and the engine process parse the same text the same way.
 */
export interface LaunchOptions {
  readonly dataDir?: string;
  readonly interfaces?: readonly string[];
  readonly serialPorts?: readonly string[];
  readonly udpPort?: number;
  readonly sealedAuditKey?: boolean;
}

export type ParsedLaunch = { readonly options: LaunchOptions; readonly problems: readonly string[] };

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Reads the switches above from argv; anything else (Chromium's own switches) is left alone. */
export function parseLaunchOptions(argv: readonly string[]): ParsedLaunch {
  const options: { -readonly [K in keyof LaunchOptions]: LaunchOptions[K] } = {};
  const problems: string[] = [];
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    if (!arg.startsWith('--') || eq < 0) continue;
    const value = arg.slice(eq + 1);
    switch (arg.slice(2, eq)) {
      case 'data-dir':
        if (value) options.dataDir = value;
        else problems.push('--data-dir needs a path');
        break;
      case 'interfaces':
        options.interfaces = list(value);
        break;
      case 'serial-ports':
        options.serialPorts = list(value);
        break;
      case 'sealed-audit-key':
        options.sealedAuditKey = value === '1';
        break;
      case 'udp-port': {
        const port = Number(value);
        if (Number.isInteger(port) && port >= 1 && port <= 65535) options.udpPort = port;
        else problems.push(`--udp-port=${value} is not a port number (1-65535)`);
        break;
      }
    }
  }
  return { options, problems };
}

/** The switches that reproduce `options`, for the engine process's argv. */
export function launchArgs(options: LaunchOptions): string[] {
  const args: string[] = [];
  if (options.dataDir !== undefined) args.push(`--data-dir=${options.dataDir}`);
  if (options.interfaces !== undefined) args.push(`--interfaces=${options.interfaces.join(',')}`);
  if (options.serialPorts !== undefined) args.push(`--serial-ports=${options.serialPorts.join(',')}`);
  if (options.udpPort !== undefined) args.push(`--udp-port=${options.udpPort}`);
  if (options.sealedAuditKey) args.push('--sealed-audit-key=1');
  return args;
}
