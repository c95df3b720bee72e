/**
 * A real mDNS peer for interop tests and the benchmark: avahi-daemon on a private D-Bus.
 *
 * No systemd and no system bus are needed: dbus-daemon runs with a copy of Debian's system
 * bus config listening in a temp dir, and avahi-daemon runs in its own mount namespace with a
 * tmpfs over /run, so its pid file never meets another avahi (another test run, the host's).
 * It is restricted to one interface (the test bridge), so it never speaks on the real LAN.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SYSTEM_BUS_CONF = '/usr/share/dbus-1/system.conf';

/** Null when avahi-daemon, avahi-browse, avahi-publish and dbus-daemon are all installed. */
export async function avahiUnavailableReason(): Promise<string | null> {
  for (const tool of ['avahi-daemon', 'avahi-browse', 'avahi-publish', 'dbus-daemon', 'unshare']) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return `${tool} is not installed (Debian: apt-get install avahi-daemon avahi-utils dbus util-linux)`;
    }
  }
  try {
    await access(SYSTEM_BUS_CONF);
  } catch {
    return `${SYSTEM_BUS_CONF} is missing (Debian package dbus)`;
  }
  return null;
}

export interface Avahi {
  /** Environment for avahi-browse / avahi-publish: the private system bus. */
  readonly env: NodeJS.ProcessEnv;
  readonly hostName: string;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once `pattern` appears on the child's stdout or stderr; rejects if it exits first. */
function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`${what}: "${pattern.source}" not seen within ${timeoutMs} ms; output: ${seen.slice(-800)}`)),
      timeoutMs,
    );
    const onLine = (line: string): void => {
      if (seen.length < 8000) seen += `${line}\n`;
      if (pattern.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${signal ?? code}): ${seen.slice(-800)}`));
    });
  });
}

async function waitForFile(file: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await access(file);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Starts dbus-daemon and avahi-daemon in `dir`, avahi restricted to `iface`. */
export async function startAvahi(dir: string, iface: string, hostName: string): Promise<Avahi> {
  const socket = path.join(dir, 'system_bus_socket');
  const busConf = (await readFile(SYSTEM_BUS_CONF, 'utf8'))
    .replace(/<user>[^<]*<\/user>/, '')
    .replace(/<pidfile>[^<]*<\/pidfile>/, '')
    .replace(/<listen>[^<]*<\/listen>/, `<listen>unix:path=${socket}</listen>`)
    // The relative include would resolve against the temp dir; avahi's bus policy lives here.
    .replace('<includedir>system.d</includedir>', '<includedir>/usr/share/dbus-1/system.d</includedir>');
  await writeFile(path.join(dir, 'system.conf'), busConf);
  await writeFile(
    path.join(dir, 'avahi-daemon.conf'),
    [
      '[server]',
      `host-name=${hostName}`,
      'use-ipv4=yes',
      'use-ipv6=no',
      `allow-interfaces=${iface}`,
      'enable-dbus=yes',
      'ratelimit-interval-usec=1000000',
      'ratelimit-burst=1000',
      '[wide-area]',
      'enable-wide-area=no',
      '[publish]',
      'publish-hinfo=no',
      'publish-workstation=no',
      '[reflector]',
      '[rlimits]',
      '',
    ].join('\n'),
  );

  const bus = spawn('dbus-daemon', [`--config-file=${path.join(dir, 'system.conf')}`, '--nofork', '--nopidfile'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${socket}` };
  let daemon: ChildProcess | null = null;
  try {
    await waitForFile(socket);
    daemon = spawn(
      'unshare',
      [
        '--mount',
        'sh',
        '-c',
        `mount -t tmpfs tmpfs /run && exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title -f ${path.join(dir, 'avahi-daemon.conf')}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    await waitForOutput(daemon, /Server startup complete/, 'avahi-daemon');
  } catch (err) {
    if (daemon) await stopChild(daemon);
    await stopChild(bus);
    throw err;
  }
  const started = daemon;
  return {
    env,
    hostName,
    stop: async () => {
      await stopChild(started);
      await stopChild(bus);
    },
  };
}

export interface BrowsedService {
  readonly iface: string;
  readonly name: string;
  readonly type: string;
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly txt: readonly string[];
}

/** avahi-browse -p escapes bytes as \DDD (decimal). */
function unescape(field: string): string {
  return field.replace(/\\(\d{3})/g, (_, d: string) => String.fromCharCode(Number(d)));
}

/** Parses one resolved (`=`) line of `avahi-browse -p -r`; null for any other line. */
export function parseResolvedLine(line: string): BrowsedService | null {
  const f = line.split(';');
  if (f[0] !== '=' || f.length < 10) return null;
  const txt = [
    ...f
      .slice(9)
      .join(';')
      .matchAll(/"((?:[^"\\]|\\.)*)"/g),
  ].map((m) => unescape(m[1]!));
  return { iface: f[1]!, name: unescape(f[3]!), type: f[4]!, host: f[6]!, address: f[7]!, port: Number(f[8]), txt };
}

/**
 * Runs `avahi-browse -rp <type>` and collects resolved services until `enough` says so or the
 * timeout; `-t` makes it end by itself once avahi has nothing more.
 */
export async function avahiBrowse(
  avahi: Avahi,
  type: string,
  options: {
    readonly enough?: (services: readonly BrowsedService[]) => boolean;
    readonly timeoutMs?: number;
    readonly terminate?: boolean;
  } = {},
): Promise<BrowsedService[]> {
  const args = ['-r', '-p', ...(options.terminate === false ? [] : ['-t']), type];
  const child = spawn('avahi-browse', args, { stdio: ['ignore', 'pipe', 'pipe'], env: avahi.env });
  const services: BrowsedService[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    if (stderr.length < 4000) stderr += c;
  });
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.timeoutMs ?? 10_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const s = parseResolvedLine(line);
      if (!s) return;
      services.push(s);
      if (options.enough?.(services)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await done;
  await stopChild(child);
  if (services.length === 0 && /Failed|error/i.test(stderr)) throw new Error(`avahi-browse ${args.join(' ')}: ${stderr.trim()}`);
  return services;
}

export interface Published {
  stop(): Promise<void>;
}

/** `avahi-publish -s NAME TYPE PORT TXT...`; resolves once avahi says the name is established. */
export async function avahiPublish(avahi: Avahi, name: string, type: string, port: number, txt: readonly string[]): Promise<Published> {
  const child = spawn('avahi-publish', ['-s', name, type, String(port), ...txt], { stdio: ['ignore', 'pipe', 'pipe'], env: avahi.env });
  try {
    await waitForOutput(child, /Established under name/, 'avahi-publish');
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { stop: () => stopChild(child) };
}
