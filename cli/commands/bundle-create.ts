/**
 * `fieldline bundle create`: a manifest template plus a folder or files → a signed .flb.
 *
 * The template holds everything an author decides (name, kind, version, counter, hardware,
 * validity, model metadata); the sizes and hashes are measured here so nobody types a hash.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { createBundle, PAYLOAD_TARGETS, type ManifestTemplate, type PayloadTarget } from '../../core/bundle/index.js';
import { CliError, printJson } from '../output.js';
import { parseSubcommand, required } from './bundle-args.js';
import { readSigningKey } from './bundle-keys.js';

/** Per-file hints a template may carry in "payloads" (sizes and hashes are never taken from it). */
const payloadHintSchema = z.object({
  path: z.string().min(1),
  target: z.enum(PAYLOAD_TARGETS).optional(),
  compression: z.literal('gzip').optional(),
});

interface BundleFile {
  readonly path: string;
  readonly source: string;
  readonly target: PayloadTarget;
  readonly compress?: 'gzip';
}

export async function runBundleCreate(argv: string[], usage: string): Promise<number> {
  const { values, positionals } = parseSubcommand(
    argv,
    {
      manifest: { type: 'string' },
      dir: { type: 'string' },
      out: { type: 'string' },
      target: { type: 'string' },
      compress: { type: 'string' },
      key: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    usage,
  );
  const templatePath = required(values.manifest, '--manifest', usage);
  const out = required(values.out, '--out', usage);
  if (values.dir !== undefined && positionals.length)
    throw new CliError(`give either --dir or files, not both (got --dir ${values.dir} and ${positionals.join(' ')})\n${usage}`);
  if (values.dir === undefined && !positionals.length)
    throw new CliError(`nothing to bundle: give --dir DIR or one or more files\n${usage}`);
  if (values.target !== undefined && !(PAYLOAD_TARGETS as readonly string[]).includes(values.target))
    throw new CliError(`--target must be one of ${PAYLOAD_TARGETS.join(', ')}, got "${values.target}"`);
  if (values.compress !== undefined && values.compress !== 'gzip')
    throw new CliError(`--compress supports only gzip, got "${values.compress}"`);

  const { template, hints } = await readTemplate(templatePath);
  const sources = values.dir !== undefined ? await filesUnder(values.dir) : await namedFiles(positionals);
  const files = assignTargets(sources, hints, values.target as PayloadTarget | undefined, values.compress === 'gzip');
  const signers = await Promise.all((values.key ?? []).map((k) => readSigningKey(k)));

  let manifest;
  try {
    manifest = await createBundle({ manifest: template, files, out, signers: signers.map((s) => s.identity) });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new CliError(
      `cannot create ${out}: ${e.message ?? String(err)}`,
      'Fix the template or the files named above and run create again.',
      e.code ?? 'create_failed',
      1,
    );
  }
  if (values.json) printJson({ file: out, manifest, signatures: signers.map((s) => s.identity.id) });
  else
    process.stdout.write(
      [
        `Created ${out}: ${manifest.name} ${manifest.version} (${manifest.kind}), ${manifest.payloads.length} payload${manifest.payloads.length === 1 ? '' : 's'}.`,
        ...manifest.payloads.map((p) => `  ${p.path}  ${p.size} bytes  sha256 ${p.sha256}  → ${p.target}`),
        signers.length
          ? `  signed by ${signers.map((s) => `${s.name} (${s.identity.id.slice(0, 16)})`).join(', ')}`
          : '  not signed yet: run `fieldline bundle sign` with each required key',
        '',
      ].join('\n'),
    );
  return 0;
}

async function readTemplate(path: string): Promise<{ template: ManifestTemplate; hints: Map<string, z.infer<typeof payloadHintSchema>> }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CliError(
      code === 'ENOENT'
        ? `manifest template ${path} does not exist`
        : `manifest template ${path} is not readable JSON: ${(err as Error).message}`,
      undefined,
      'template_invalid',
      1,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new CliError(`manifest template ${path} must be a JSON object`, undefined, 'template_invalid', 1);
  const { payloads, ...rest } = json as Record<string, unknown>;
  const hints = new Map<string, z.infer<typeof payloadHintSchema>>();
  if (payloads !== undefined) {
    const parsed = z.array(payloadHintSchema).safeParse(payloads);
    if (!parsed.success)
      throw new CliError(
        `manifest template ${path}: "payloads" must be a list of { path, target?, compression? }: ${parsed.error.issues[0]?.message ?? ''}`,
        undefined,
        'template_invalid',
        1,
      );
    for (const hint of parsed.data) hints.set(hint.path, hint);
  }
  // The schema and creation time are filled in when absent; everything else the author states.
  const template = {
    schema: 'fieldline.bundle/v1',
    created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...rest,
  } as ManifestTemplate;
  return { template, hints };
}

async function filesUnder(dir: string): Promise<{ path: string; source: string }[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (err) {
    throw new CliError(`cannot read folder ${dir}: ${(err as Error).message}`, undefined, 'io', 1);
  }
  const files: { path: string; source: string }[] = [];
  for (const entry of entries.sort()) {
    const source = join(dir, entry);
    const info = await stat(source);
    if (info.isDirectory()) continue;
    if (!info.isFile())
      throw new CliError(`${source} is not a regular file; a bundle carries only regular files`, undefined, 'entry_type', 1);
    files.push({ path: relative(dir, source).split(sep).join('/'), source });
  }
  if (!files.length) throw new CliError(`folder ${dir} holds no files to bundle`, undefined, 'io', 1);
  return files;
}

async function namedFiles(paths: readonly string[]): Promise<{ path: string; source: string }[]> {
  const files: { path: string; source: string }[] = [];
  for (const source of paths) {
    let info;
    try {
      info = await stat(source);
    } catch {
      throw new CliError(`${source} does not exist`, undefined, 'io', 1);
    }
    if (!info.isFile()) throw new CliError(`${source} is not a regular file (use --dir for a folder)`, undefined, 'io', 1);
    files.push({ path: basename(source), source });
  }
  return files;
}

function assignTargets(
  sources: readonly { path: string; source: string }[],
  hints: ReadonlyMap<string, z.infer<typeof payloadHintSchema>>,
  defaultTarget: PayloadTarget | undefined,
  compress: boolean,
): BundleFile[] {
  const given = new Set(sources.map((s) => s.path));
  const stray = [...hints.keys()].filter((p) => !given.has(p));
  if (stray.length)
    throw new CliError(
      `the template lists ${stray.map((p) => `"${p}"`).join(', ')} but no such file was given`,
      undefined,
      'payload_missing',
      1,
    );
  return sources.map(({ path, source }) => {
    const hint = hints.get(path);
    const target = hint?.target ?? defaultTarget;
    if (!target)
      throw new CliError(
        `no target for "${path}"`,
        `Give --target (${PAYLOAD_TARGETS.join(', ')}) or list it in the template's "payloads" with its target.`,
        'usage',
      );
    const gzip = hint?.compression === 'gzip' || compress;
    return gzip ? { path, source, target, compress: 'gzip' } : { path, source, target };
  });
}
