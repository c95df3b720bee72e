/**
 * Virtual USB lab, part 2: boots the guest under QEMU (software emulation) with the host's root
 * shared read-only, runs the reference agent on the gadget's /dev/ttyGS0 and guest-check.ts on
 * the host side, and returns the result line from the console.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, type LabImage } from './prepare.js';
import { RESULT_PREFIX, type LabResult } from './result.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface LabRun {
  readonly result: LabResult | null;
  /** Everything the guest printed on its serial console. */
  readonly console: string;
  readonly exitCode: number | null;
  readonly wallMs: number;
}

/** The script the guest runs in the host's root (chroot): udev, the agent, then the check. */
function guestScript(): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return `set -u
t() { cut -d' ' -f1 /proc/uptime; }
echo "fieldline-lab: chroot at $(t)s"
ip link set lo up 2>/dev/null
# udev fills in ID_VENDOR_ID/ID_MODEL_ID, which serialport's list reads through udevadm.
/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1 || /usr/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
udevadm trigger --action=add >/dev/null 2>&1; udevadm settle --timeout=30
echo "fieldline-lab: udev settled at $(t)s"
cd ${q(repoRoot)}
mkdir -p "$TMPDIR/agent-state"
node --import tsx cli/main.ts agent --serial /dev/ttyGS0 --state "$TMPDIR/agent-state" --host 127.0.0.1 --port 0 --no-mdns --no-udp --json >"$TMPDIR/agent.json" 2>"$TMPDIR/agent.log" &
node --import tsx test/helpers/usb-lab/guest-check.ts "$TMPDIR/agent.json"
echo "fieldline-lab: check done at $(t)s"
[ -s "$TMPDIR/agent.log" ] && sed 's/^/fieldline-lab: agent: /' "$TMPDIR/agent.log" | tail -n 20
`;
}

function warm(tmp: string): Promise<void> {
  const one = (args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
        cwd: repoRoot,
        env: { ...process.env, TMPDIR: tmp },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', () => resolve());
    });
  return Promise.all([one(['test/helpers/usb-lab/guest-check.ts', '--warm']), one(['cli/main.ts', 'agent', '--help'])]).then(() => {});
}

export async function runLab(image: LabImage, options: { timeoutMs?: number; log?: (m: string) => void } = {}): Promise<LabRun> {
  const dir = await mkdtemp(path.join(cacheDir(), 'run-'));
  // The guest's TMPDIR (see init-script.ts), warmed here: tsx compiles natively in seconds what
  // takes a minute under emulation, and the guest reuses its cache (same paths, same files).
  const guestTmp = path.join(cacheDir(), 'guest-tmp');
  await rm(path.join(guestTmp, 'agent-state'), { recursive: true, force: true });
  await rm(path.join(guestTmp, 'agent.json'), { force: true });
  await mkdir(guestTmp, { recursive: true });
  const warmStarted = Date.now();
  await warm(guestTmp);
  options.log?.(`tsx cache warmed in ${Date.now() - warmStarted} ms`);
  const script = path.join(dir, 'guest.sh');
  await writeFile(script, guestScript());
  const started = Date.now();
  try {
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        ...['-accel', 'tcg', '-m', '1024', '-smp', '2', '-nographic', '-no-reboot', '-nic', 'none'],
        ...['-kernel', image.kernel, '-initrd', image.initrd],
        ...['-append', `console=ttyS0 quiet fl_script=${script}`],
        ...['-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap'],
        ...['-virtfs', `local,path=${guestTmp},mount_tag=labtmp,security_model=none`],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    qemu.stdout.on('data', (b: Buffer) => {
      const text = b.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line.startsWith('fieldline-lab:')) options.log?.(line.trim());
    });
    qemu.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const timer = setTimeout(() => qemu.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    const exitCode = await new Promise<number | null>((resolve) => qemu.on('close', (code) => resolve(code)));
    clearTimeout(timer);
    const line = output.split(/\r?\n/).find((l) => l.startsWith(RESULT_PREFIX));
    const result = line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as LabResult) : null;
    return { result, console: output, exitCode, wallMs: Date.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
