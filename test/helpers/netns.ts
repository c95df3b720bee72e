/**
 * A private test LAN: one bridge in this namespace and N network namespaces hanging off it.
 *
 * Everything is named with a per-process prefix (fl<pid>-) so parallel test runs never touch
 * each other's links, and `destroy()` (or `cleanupPrefix`) removes every namespace and link
 * with that prefix even after a half-finished setup. Traffic only ever goes to the bridge's
 * own 10.77.<x>.0/24 subnet.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 15_000 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}

export function testPrefix(tag = ''): string {
  // Interface names are at most 15 bytes: "fl" + pid + tag + "-" leaves room for "br"/"h99".
  return `fl${process.pid % 100000}${tag}-`;
}

/** Null when this machine lets us create namespaces, else why not (e.g. no CAP_SYS_ADMIN). */
export async function netnsUnavailableReason(prefix: string): Promise<string | null> {
  if (process.env.FIELDLINE_TEST_NO_NETNS === '1') return 'FIELDLINE_TEST_NO_NETNS=1 is set';
  const probe = `${prefix}probe`;
  try {
    await ip('netns', 'add', probe);
  } catch (err) {
    return (err as Error).message;
  }
  await ip('netns', 'del', probe).catch(() => undefined);
  return null;
}

export interface NetnsHost {
  readonly ns: string;
  /** Addresses of this namespace's eth0 (several when several agents share one namespace). */
  readonly addresses: readonly string[];
}

export interface TestLan {
  readonly prefix: string;
  readonly bridge: string;
  /** e.g. "10.77.143" */
  readonly subnet: string;
  readonly bridgeAddress: string;
  readonly hosts: readonly NetnsHost[];
  destroy(): Promise<void>;
}

/** A /24 under 10.77 that no interface here uses yet, chosen from the pid to avoid races. */
async function freeSubnet(): Promise<string> {
  const used = await ip('-4', '-o', 'addr', 'show');
  for (let k = 0; k < 200; k++) {
    const x = 20 + ((process.pid + k * 7) % 230);
    if (!used.includes(` 10.77.${x}.`)) return `10.77.${x}`;
  }
  throw new Error('no free 10.77.x.0/24 subnet for the test LAN');
}

/** Removes every namespace and link whose name starts with `prefix`. */
export async function cleanupPrefix(prefix: string): Promise<void> {
  const namespaces = (await ip('netns', 'list').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
  for (const ns of namespaces) await ip('netns', 'del', ns).catch(() => undefined);
  const links = (await ip('-o', 'link', 'show').catch(() => ''))
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(prefix));
  for (const link of links) await ip('link', 'del', link).catch(() => undefined);
}

/**
 * Creates the bridge and `hosts` namespaces; namespace i gets `addressesPerHost` addresses.
 * Each namespace has a default route via the bridge (without it a multicast send fails with
 * ENETUNREACH).
 */
export async function createTestLan(prefix: string, hosts: number, addressesPerHost = 1): Promise<TestLan> {
  if (hosts * addressesPerHost > 240) throw new Error('a /24 test LAN holds at most 240 agents');
  const subnet = await freeSubnet();
  const bridge = `${prefix}br`;
  const bridgeAddress = `${subnet}.1`;
  const made: NetnsHost[] = [];
  const lan: TestLan = { prefix, bridge, subnet, bridgeAddress, hosts: made, destroy: () => cleanupPrefix(prefix) };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${bridgeAddress}/24`, 'brd', '+', 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    let next = 10;
    const setups: Promise<void>[] = [];
    for (let i = 0; i < hosts; i++) {
      const ns = `${prefix}n${i}`;
      const hostEnd = `${prefix}h${i}`;
      const addresses = Array.from({ length: addressesPerHost }, () => `${subnet}.${next++}`);
      made.push({ ns, addresses });
      setups.push(
        (async () => {
          await ip('netns', 'add', ns);
          await ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
          await ip('link', 'set', hostEnd, 'master', bridge);
          await ip('link', 'set', hostEnd, 'up');
          await ip('-n', ns, 'link', 'set', 'lo', 'up');
          for (const address of addresses) await ip('-n', ns, 'addr', 'add', `${address}/24`, 'brd', '+', 'dev', 'eth0');
          await ip('-n', ns, 'link', 'set', 'eth0', 'up');
          await ip('-n', ns, 'route', 'add', 'default', 'via', bridgeAddress);
        })(),
      );
      // A few at a time: `ip` is quick, but hundreds at once crowd two cores for nothing.
      if (setups.length >= 8) await Promise.all(setups.splice(0));
    }
    await Promise.all(setups);
  } catch (err) {
    await cleanupPrefix(prefix);
    throw err;
  }
  return lan;
}

/** Runs a command inside a namespace (`ip netns exec` execs, so the pid is the command's). */
export function spawnInNetns(ns: string, command: string, args: readonly string[], cwd: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, command, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
}
