/**
 * A linked pseudo-terminal pair made by socat: what one end writes, the other reads. The agent
 * serves FGP on one end; the app opens the other as if a USB-serial cable were plugged in.
 */
import { spawn } from 'node:child_process';
import { lstat } from 'node:fs/promises';

export interface PtyPair {
  /** The end the agent serves on. */
  readonly agentPath: string;
  /** The end the app connects to. */
  readonly clientPath: string;
  readonly pid: number;
  close(): Promise<void>;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

export async function openPtyPair(agentPath: string, clientPath: string, timeoutMs = 5000): Promise<PtyPair> {
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${agentPath}`, `pty,raw,echo=0,link=${clientPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 4000) stderr += chunk;
  });
  let exited: string | null = null;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `socat exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-2).join(' / ')}` : ''}`;
      resolve();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      exited =
        err.code === 'ENOENT'
          ? 'socat is not installed; serial gateways need it (Debian: apt-get install socat)'
          : `cannot start socat: ${err.message}`;
      resolve();
    });
  });

  const close = async (): Promise<void> => {
    if (exited === null) {
      child.kill('SIGTERM');
      await exitedPromise;
    }
  };

  const waitForLinks = async (): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited !== null) throw new Error(`cannot create the pty pair ${agentPath} ↔ ${clientPath}: ${exited}`);
      if ((await exists(agentPath)) && (await exists(clientPath))) return;
      if (Date.now() > deadline) throw new Error(`socat did not create ${agentPath} and ${clientPath} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  try {
    await waitForLinks();
  } catch (err) {
    await close();
    throw err;
  }
  return { agentPath, clientPath, pid: child.pid ?? -1, close };
}
