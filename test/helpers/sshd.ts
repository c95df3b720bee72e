/**
 * A real OpenSSH server as a peer for benchmarks and tests: its own host key, its own client key
 * in its own authorized_keys, its own port, optionally inside a network namespace. Nothing of the
 * machine's ssh configuration is read or changed (apart from sshd's privilege-separation
 * directory, which it insists on: /run/sshd).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD = '/usr/sbin/sshd';
const PRIVSEP_DIR = '/run/sshd';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

export interface SshdOptions {
  /** Directory for keys, config and logs (the caller's temp dir). */
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  /** Run sshd inside this network namespace. */
  readonly ns?: string;
  readonly startTimeoutMs?: number;
}

export interface Sshd {
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Private key of the client authorised on this server. */
  readonly clientKey: string;
  /** `scp` arguments copying `local` to `remote` on this server, without prompts or host-key checks. */
  scpArgs(local: string, remote: string): string[];
  close(): Promise<void>;
}

/** Null when sshd can run here, else why not. */
export async function sshdUnavailableReason(): Promise<string | null> {
  try {
    await run(SSHD, ['-V']);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return `${SSHD} is not installed (Debian: apt-get install openssh-server)`;
    // `sshd -V` prints its version to stderr and exits 1 on older releases: that is fine.
    return /OpenSSH/i.test(e.stderr ?? '') ? null : `sshd -V failed: ${e.message}`;
  }
}

async function keygen(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fieldline-bench', '-f', file]);
}

export async function startSshd(o: SshdOptions): Promise<Sshd> {
  await mkdir(o.dir, { recursive: true });
  await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  const hostKey = path.join(o.dir, 'host_ed25519');
  const clientKey = path.join(o.dir, 'client_ed25519');
  await keygen(hostKey);
  await keygen(clientKey);
  const authorized = path.join(o.dir, 'authorized_keys');
  await writeFile(authorized, await readFile(`${clientKey}.pub`), { mode: 0o600 });
  const config = path.join(o.dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${o.port}`,
      `ListenAddress ${o.address}`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(o.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temp dir is world-traversable; this server trusts only its own key file anyway.
      'StrictModes no',
      'UseDNS no',
      'PrintMotd no',
      `Subsystem sftp ${SFTP_SERVER}`,
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  const args = ['-D', '-e', '-f', config];
  const child: ChildProcess =
    o.ns === undefined
      ? spawn(SSHD, args, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('ip', ['netns', 'exec', o.ns, SSHD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start listening: ${log.trim().slice(-600)}`)), o.startTimeoutMs ?? 10_000);
    child.stderr!.on('data', (s: string) => {
      log = (log + s).slice(-8000);
      if (/Server listening on/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited (${signal ?? code}) before it listened: ${log.trim().slice(-600)}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const user = userInfo().username;
  return {
    address: o.address,
    port: o.port,
    user,
    clientKey,
    scpArgs: (local, remote) => [
      '-q',
      '-B',
      '-i',
      clientKey,
      '-P',
      String(o.port),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      local,
      `${user}@${o.address}:${remote}`,
    ],
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
