/**
 * A TCP delay line: each listening port forwards to a target, and every byte waits `oneWayMs`
 * in each direction before it is passed on. Together with a rate limit on the link (tc tbf),
 * this gives a long-fat-network for benchmarks on kernels without `sch_netem` (this machine's
 * kernel has tbf and htb but no netem).
 *
 * What it models: the application-level round trip (a request's answer comes back a full RTT
 * later), which is what limits a windowed protocol such as FGP's chunk window or SSH's channel
 * window. What it does not: TCP's own congestion window over that RTT, since each side's TCP
 * connection ends at the proxy. Both peers in a benchmark cross the same proxy.
 *
 * Run directly (`node --import tsx delay-proxy.ts '<spec json>'`), it prints `{"ready":true}`
 * and exits when stdin closes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface DelayRoute {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly targetHost: string;
  readonly targetPort: number;
}

export interface DelaySpec {
  readonly routes: readonly DelayRoute[];
  readonly oneWayMs: number;
}

/** Bytes a direction may hold (delay line plus the target's unflushed writes) before it stops reading. */
const MAX_QUEUED = 32 * 1024 * 1024;

/** One direction: `from` → (wait oneWayMs) → `to`. */
function delayLine(from: net.Socket, to: net.Socket, oneWayMs: number): void {
  const queue: { at: number; data: Buffer }[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  const flush = (): void => {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0]!.at <= now + 0.2) {
      const { data } = queue.shift()!;
      to.write(data, () => {
        queued -= data.length;
        if (queued < MAX_QUEUED / 2 && from.isPaused()) from.resume();
      });
    }
    if (queue.length) schedule();
    else if (ended) to.end();
  };
  const schedule = (): void => {
    if (timer || !queue.length) return;
    timer = setTimeout(flush, Math.max(0, queue[0]!.at - performance.now()));
  };
  from.on('data', (data: Buffer) => {
    queue.push({ at: performance.now() + oneWayMs, data });
    queued += data.length;
    if (queued > MAX_QUEUED) from.pause();
    schedule();
  });
  from.on('end', () => {
    ended = true;
    if (!queue.length && !timer) to.end();
  });
}

export async function startDelayProxy(spec: DelaySpec): Promise<net.Server[]> {
  const servers: net.Server[] = [];
  for (const route of spec.routes) {
    const server = net.createServer((client) => {
      client.setNoDelay(true);
      const target = net.connect({ host: route.targetHost, port: route.targetPort });
      target.setNoDelay(true);
      const fail = (): void => {
        client.destroy();
        target.destroy();
      };
      client.on('error', fail);
      target.on('error', fail);
      client.on('close', () => target.destroy());
      target.on('close', () => client.destroy());
      delayLine(client, target, spec.oneWayMs);
      delayLine(target, client, spec.oneWayMs);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(route.listenPort, route.listenHost, () => resolve());
    });
    servers.push(server);
  }
  return servers;
}

export interface DelayProxyProcess {
  close(): Promise<void>;
}

/** Runs the proxy in its own process, inside network namespace `ns` when given. */
export async function launchDelayProxy(spec: DelaySpec, ns?: string): Promise<DelayProxyProcess> {
  const node = [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(spec)];
  const child =
    ns === undefined
      ? spawn(node[0]!, node.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('ip', ['netns', 'exec', ns, ...node], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-2000)));
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const ready = await new Promise<boolean>((resolve) => {
    createInterface({ input: child.stdout }).once('line', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  if (!ready) {
    await close();
    throw new Error(`the delay proxy did not start: ${stderr.trim()}`);
  }
  return { close };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const raw = process.argv[2];
  if (!raw) {
    process.stderr.write('usage: delay-proxy.ts \'{"oneWayMs":10,"routes":[{"listenHost":"10.77.1.10","listenPort":9000,"targetHost":"127.0.0.1","targetPort":48621}]}\'\n');
    process.exit(2);
  }
  startDelayProxy(JSON.parse(raw) as DelaySpec).then(
    () => {
      process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
      createInterface({ input: process.stdin }).on('close', () => process.exit(0));
    },
    (err: unknown) => {
      process.stderr.write(`delay-proxy: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
