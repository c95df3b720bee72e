/**
 * Virtual USB lab, part 2: boots the guest under QEMU (software emulation) with the host's root
 * shared read-only, runs the reference agent on the gadget's /dev/ttyGS0 and guest-check.ts on
 * the host side, then `fieldline usb record` into the writable share, and returns the result line
 * from the console and the recording (a real bus, recorded: the lab-recorded-gadgets fixture).
 *
 * The guest runs compiled JavaScript only: the agent from dist/ (`npm run build`), the check
 * transpiled here on the host with its core/ and agent/ imports pointed at dist/. No tsx in the guest: its
 * WebAssembly lexer once crashed under emulation, and transpiling there took most of a run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { loadDemoTechnician } from '../../../agent/demo-technician.js';
import { LAB_BULK_SERIAL, LAB_PRODUCT_ID, LAB_SERIAL, LAB_VENDOR_ID } from './init-script.js';
import { cacheDir, type LabImage } from './prepare.js';
import { RESULT_PREFIX, type LabResult } from './result.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const dist = path.join(repoRoot, 'dist');

/** The guest's own modules, transpiled for it: the check and the two it imports. */
const GUEST_MODULES = ['guest-check.ts', 'init-script.ts', 'result.ts'];

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Whether dist/ can serve the guest: `missing` skips the lab; `stale` (a source newer than the
 * build) only warns, since a tree being edited is always a little ahead of its last build.
 */
export async function distState(): Promise<{ missing: string } | { stale: string } | null> {
  let built: number;
  try {
    built = statSync(path.join(dist, 'cli', 'main.js')).mtimeMs;
  } catch {
    return { missing: 'dist/ is not built: run npm run build first (the guest runs compiled JavaScript, not tsx)' };
  }
  for (const dir of ['core', 'agent', 'cli']) {
    if ((await newestSource(path.join(repoRoot, dir))) > built) {
      return { stale: `dist/ is older than ${dir}/: the guest runs the last build (npm run build to test the current sources)` };
    }
  }
  return null;
}

/**
 * Writes the guest check as plain ESM into `outDir`: imports of core/ and agent/ become file URLs of their
 * dist/ build, packages become the file URLs this host resolves them to (the guest sees the same
 * paths through its read-only share of /).
 */
export async function writeGuestCheck(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const builtImport = /^(?:\.\.\/)+(core|agent)\/(.+)$/;
  for (const name of GUEST_MODULES) {
    const source = readFileSync(path.join(here, name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: name,
    });
    const rewritten = outputText.replace(
      /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\2/g,
      (all, lead: string, q: string, spec: string) => {
        const built = builtImport.exec(spec);
        if (built) return `${lead}${q}${pathToFileURL(path.join(dist, built[1]!, built[2]!)).href}${q}`;
        if (spec.startsWith('.') || spec.startsWith('node:')) return all;
        return `${lead}${q}${import.meta.resolve(spec)}${q}`;
      },
    );
    await writeFile(path.join(outDir, name.replace(/\.ts$/, '.js')), rewritten);
  }
  return path.join(outDir, 'guest-check.js');
}
export interface LabRun {
  readonly result: LabResult | null;
  /** Everything the guest printed on its serial console. */
  readonly console: string;
  readonly exitCode: number | null;
  readonly wallMs: number;
  /** What `fieldline usb record` wrote in the guest after the check (the file's text), or null. */
  readonly recording: string | null;
}

/** The file the guest's recorder writes, in the writable share (its TMPDIR). */
export const RECORDING_FILE = 'recording.json';

/** `qemu-system-x86_64 --version`'s first line, for the recording's source. */
function qemuVersion(): string {
  const out = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  return (out.stdout ?? '').split('\n')[0]?.trim() || 'QEMU (version unknown)';
}

/** Where the recording came from, exactly; the guest fills in its kernel (shell substitutions). */
function recordNote(qemu: string): string {
  // Goes inside a double-quoted shell word: no quotes, backslashes or substitutions from the host.
  const safe = qemu.replace(/[\\"$`]/g, '');
  return (
    `the Fieldline virtual USB lab (test/helpers/usb-lab): ${safe}, software emulation (TCG), ` +
    `guest kernel Linux $(uname -r) $(uname -v); the USB host side of two dummy_hcd buses in that kernel, ` +
    `each with one configfs gadget: 'fieldline' (${LAB_VENDOR_ID}:${LAB_PRODUCT_ID}, CDC-ACM function acm.fgp, serial ${LAB_SERIAL}) ` +
    `and 'fieldline-bulk' (${LAB_VENDOR_ID}:${LAB_PRODUCT_ID}, FunctionFS function ffs.fgp with the FGP vendor bulk interface ` +
    `whose descriptors fieldline agent --functionfs wrote, serial ${LAB_BULK_SERIAL}); read through the usb package, ` +
    `serialport and sysfs in the guest, after the lab check spoke FGP over both`
  );
}

/**
 * The script the guest runs in the host's root (chroot): udev, two agents (one on the ACM
 * gadget's /dev/ttyGS0, one on the FunctionFS interface, whose descriptors let the bulk gadget
 * bind), then the check, then the recorder (the check waited for both gadgets, so both are there).
 */
function guestScript(check: string, note: string): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const agent = 'node dist/cli/main.js agent --host 127.0.0.1 --port 0 --no-mdns --no-udp --json';
  // The FunctionFS agent trusts the demo technician, so the check can authenticate and upload.
  const trust = `--trust ${loadDemoTechnician().publicKey} --name ${q('Demo Technician')}`;
  return `set -u
t() { cut -d' ' -f1 /proc/uptime; }
echo "fieldline-lab: chroot at $(t)s"
ip link set lo up 2>/dev/null
# devtmpfs has no /dev/pts: mount it, so a pty can be opened in the guest as on a normal system.
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
# udev fills in ID_VENDOR_ID/ID_MODEL_ID, which serialport's list reads through udevadm.
/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1 || /usr/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
cd ${q(repoRoot)}
mkdir -p "$TMPDIR/agent-state" "$TMPDIR/agent-usb-state"
${agent} --serial /dev/ttyGS0 --state "$TMPDIR/agent-state" >"$TMPDIR/agent.json" 2>"$TMPDIR/agent.log" &
${agent} --functionfs /dev/ffs-fgp ${trust} --state "$TMPDIR/agent-usb-state" >"$TMPDIR/agent-usb.json" 2>"$TMPDIR/agent-usb.log" &
udevadm trigger --action=add >/dev/null 2>&1; udevadm settle --timeout=30
echo "fieldline-lab: udev settled at $(t)s"
node "$TMPDIR/${check}" "$TMPDIR/agent.json" "$TMPDIR/agent-usb.json"
echo "fieldline-lab: check done at $(t)s"
# Record what the bus shows now (both gadgets bound, agents still serving) into the share.
if node dist/cli/main.js usb record "$TMPDIR/${RECORDING_FILE}" --note "${note}" >"$TMPDIR/record.log" 2>&1
then echo "fieldline-lab: recorded at $(t)s"
else sed "s/^/fieldline-lab: record FAILED: /" "$TMPDIR/record.log" | tail -n 20; fi
for a in agent agent-usb; do [ -s "$TMPDIR/$a.log" ] && sed "s/^/fieldline-lab: $a: /" "$TMPDIR/$a.log" | tail -n 20; done
`;
}

export async function runLab(image: LabImage, options: { timeoutMs?: number; log?: (m: string) => void } = {}): Promise<LabRun> {
  const dir = await mkdtemp(path.join(cacheDir(), 'run-'));
  // The guest's TMPDIR (see init-script.ts): a writable share that also carries the check.
  const guestTmp = path.join(cacheDir(), 'guest-tmp');
  await rm(guestTmp, { recursive: true, force: true });
  await mkdir(guestTmp, { recursive: true });
  const check = path.relative(guestTmp, await writeGuestCheck(path.join(guestTmp, 'check')));
  const script = path.join(dir, 'guest.sh');
  await writeFile(script, guestScript(check, recordNote(qemuVersion())));
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
    const recorded = path.join(guestTmp, RECORDING_FILE);
    const recording = existsSync(recorded) ? readFileSync(recorded, 'utf8') : null;
    return { result, console: output, exitCode, wallMs: Date.now() - started, recording };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
