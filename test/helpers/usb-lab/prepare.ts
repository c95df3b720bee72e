/**
 * Virtual USB lab, part 1: the guest image. Debian's kernel (apt-get download + dpkg -x, never
 * installed) and a busybox initramfs with the kernel modules a dummy_hcd USB gadget, cdc-acm and
 * a virtio 9p mount of the host's root need. Cached under $FIELDLINE_USB_LAB_CACHE (default
 * /tmp/fieldline-usb-lab) so only the first run pays for the download.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { initScript } from './init-script.js';

const run = promisify(execFile);

export interface LabImage {
  readonly kernel: string;
  readonly initrd: string;
  readonly kernelVersion: string;
}

/** Why the lab cannot run here, or null when it can. */
export type Unavailable = { readonly reason: string };

/** Modules the guest loads; their dependencies are added from each module's own modinfo. */
const WANTED = ['configfs', 'dummy_hcd', 'libcomposite', 'usb_f_acm', 'usb_f_fs', 'cdc_acm', 'virtio_pci', '9pnet_virtio', '9p'];

export function cacheDir(): string {
  return process.env.FIELDLINE_USB_LAB_CACHE ?? '/tmp/fieldline-usb-lab';
}

async function which(cmd: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/** The newest linux-image-6.1.0-N-amd64 apt knows about (the plain flavour, not cloud or rt). */
async function kernelPackage(): Promise<string | null> {
  const { stdout } = await run('apt-cache', ['search', '--names-only', '^linux-image-6\\.1\\.0-[0-9]+-amd64$']);
  const names = stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => /^linux-image-6\.1\.0-\d+-amd64$/.test(n));
  const abi = (n: string): number => Number(/6\.1\.0-(\d+)-/.exec(n)?.[1] ?? 0);
  names.sort((a, b) => abi(a) - abi(b));
  return names.at(-1) ?? null;
}

async function download(pkg: string, dir: string): Promise<string> {
  await run('apt-get', ['download', pkg], { cwd: dir });
  const deb = (await readdir(dir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
  return path.join(dir, deb);
}

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.name.endsWith('.ko')) out.push(full);
  }
  return out;
}

const norm = (name: string): string => name.replace(/-/g, '_');

/** The `depends=` field of a module's .modinfo section (the deb ships no modules.dep). */
function modinfoDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const start = at + '\0depends='.length;
  const end = ko.indexOf(0, start);
  return ko.subarray(start, end).toString('latin1').split(',').filter(Boolean).map(norm);
}

/** Module files in load order: every module after its dependencies. */
export async function resolveModules(moduleRoot: string, wanted: readonly string[]): Promise<string[]> {
  const byName = new Map<string, string>();
  for (const file of await walk(path.join(moduleRoot, 'kernel'))) byName.set(norm(path.basename(file, '.ko')), file);
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = async (name: string): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    const file = byName.get(name);
    if (!file) throw new Error(`kernel module ${name} not found under ${moduleRoot}`);
    for (const dep of modinfoDepends(await readFile(file))) await visit(dep);
    order.push(file);
  };
  for (const name of wanted) await visit(norm(name));
  return order;
}

/** Builds (or reuses) the kernel + initramfs; returns why not when this machine cannot. */
export async function prepareLab(log: (m: string) => void = () => {}): Promise<LabImage | Unavailable> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { reason: 'the lab needs an x86-64 Linux host' };
  if (!(await which('qemu-system-x86_64'))) return { reason: 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)' };
  const dir = cacheDir();
  const ready = path.join(dir, 'image.json');
  const initHash = createHash('sha256').update(initScript()).update(WANTED.join()).digest('hex');
  if (existsSync(ready)) {
    const image = JSON.parse(await readFile(ready, 'utf8')) as LabImage & { initHash?: string };
    if (image.initHash === initHash && existsSync(image.kernel) && existsSync(image.initrd)) return image;
  }
  if (!(await which('apt-get')) || !(await which('dpkg'))) return { reason: 'apt-get/dpkg are needed to fetch the guest kernel' };
  const pkg = await kernelPackage().catch(() => null);
  if (!pkg) return { reason: 'apt-cache knows no linux-image-6.1.0-*-amd64 package (not a Debian 12 apt source?)' };

  await mkdir(dir, { recursive: true });
  const debs = path.join(dir, 'debs');
  await rm(debs, { recursive: true, force: true });
  await mkdir(debs, { recursive: true });
  log(`downloading ${pkg} and busybox-static`);
  let kernelDeb: string;
  let busyboxDeb: string;
  try {
    kernelDeb = await download(pkg, debs);
    busyboxDeb = await download('busybox-static', debs);
  } catch (err) {
    return { reason: `apt-get download failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const extract = path.join(dir, 'extract');
  await rm(extract, { recursive: true, force: true });
  await run('dpkg', ['-x', kernelDeb, extract]);
  await run('dpkg', ['-x', busyboxDeb, extract]);
  const kernelVersion = (await readdir(path.join(extract, 'lib', 'modules')))[0];
  if (!kernelVersion) throw new Error(`${pkg} has no /lib/modules`);
  const moduleRoot = path.join(extract, 'lib', 'modules', kernelVersion);
  const modules = await resolveModules(moduleRoot, WANTED);

  const root = path.join(dir, 'initramfs');
  await rm(root, { recursive: true, force: true });
  for (const d of ['bin', 'dev', 'proc', 'sys', 'mnt/host', 'modules']) await mkdir(path.join(root, d), { recursive: true });
  const busybox = path.join(extract, 'bin', 'busybox');
  await copyFile(busybox, path.join(root, 'bin', 'busybox'));
  await chmod(path.join(root, 'bin', 'busybox'), 0o755);
  const names: string[] = [];
  for (const [i, file] of modules.entries()) {
    const name = `${String(i).padStart(2, '0')}-${path.basename(file)}`;
    await copyFile(file, path.join(root, 'modules', name));
    names.push(name);
  }
  await writeFile(path.join(root, 'modules', 'order'), names.join('\n') + '\n');
  await writeFile(path.join(root, 'init'), initScript(), { mode: 0o755 });

  const initrd = path.join(dir, 'initrd.cpio');
  await run('sh', ['-c', `cd "${root}" && "${busybox}" find . | "${busybox}" cpio -o -H newc > "${initrd}.tmp"`]);
  await rename(`${initrd}.tmp`, initrd);
  const kernel = path.join(dir, 'vmlinuz');
  await copyFile(path.join(extract, 'boot', `vmlinuz-${kernelVersion}`), kernel);
  const image: LabImage = { kernel, initrd, kernelVersion };
  await writeFile(ready, JSON.stringify({ ...image, initHash }));
  await rm(debs, { recursive: true, force: true });
  await rm(extract, { recursive: true, force: true });
  log(`guest ${kernelVersion}: ${modules.length} modules`);
  return image;
}
