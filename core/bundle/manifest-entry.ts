/**
 * The first step of reading any bundle: its first entry must be manifest.dsse.json, and small.
 *
 * Shared by verify (which then checks signatures) and inspect (which only shows the manifest).
 */
import { MANIFEST_ENTRY, MAX_MANIFEST_BYTES } from './manifest.js';
import { fail, formatBytes, type Check } from './reasons.js';
import type { TarReader } from './tar-reader.js';

export type ManifestEntryResult =
  | { readonly ok: true; readonly bytes: Buffer }
  /** `walked`: the reader has already gone through the rest of the archive (or cannot continue). */
  | { readonly ok: false; readonly check: Check; readonly walked: boolean };

export async function readManifestEntry(reader: TarReader): Promise<ManifestEntryResult> {
  const first = await reader.next();
  if (first.kind === 'fatal') return { ok: false, check: fail('manifest-entry', first.problem.code, first.problem.message), walked: true };
  if (first.kind === 'end')
    return {
      ok: false,
      check: fail(
        'manifest-entry',
        'manifest_missing',
        'the archive contains no files, so there is no signed manifest; this is not a Fieldline bundle',
      ),
      walked: true,
    };
  const { entry, problem } = first;
  if (entry.path !== MANIFEST_ENTRY) return { ok: false, check: await findManifestLater(reader, entry.path), walked: true };
  if (problem) return { ok: false, check: fail('manifest-entry', problem.code, problem.message, entry.path), walked: false };
  if (entry.type !== 'file')
    return {
      ok: false,
      check: fail(
        'manifest-entry',
        'manifest_invalid',
        `${MANIFEST_ENTRY} is a folder, not the signed manifest; the bundle was built wrongly`,
      ),
      walked: false,
    };
  if (entry.size > MAX_MANIFEST_BYTES)
    return {
      ok: false,
      check: fail(
        'manifest-entry',
        'manifest_too_large',
        `${MANIFEST_ENTRY} is ${formatBytes(entry.size)}, more than the ${formatBytes(MAX_MANIFEST_BYTES)} a manifest may be; it was not read. The bundle was built wrongly or is hostile`,
      ),
      walked: false,
    };
  const parts: Buffer[] = [];
  const cut = await reader.body((chunk) => void parts.push(Buffer.from(chunk)));
  if (cut) return { ok: false, check: fail('manifest-entry', cut.code, cut.message, entry.path), walked: cut.code === 'truncated' };
  return { ok: true, bytes: Buffer.concat(parts) };
}

async function findManifestLater(reader: TarReader, firstPath: string): Promise<Check> {
  for (;;) {
    const step = await reader.next();
    if (step.kind !== 'entry') break;
    if (step.entry.path === MANIFEST_ENTRY)
      return fail(
        'manifest-entry',
        'manifest_not_first',
        `${MANIFEST_ENTRY} is not the first entry (the archive starts with "${firstPath}"); the manifest must come first so nothing is read before its signature is checked. Rebuild the bundle with \`fieldline bundle create\``,
      );
  }
  return fail(
    'manifest-entry',
    'manifest_missing',
    `the archive has no ${MANIFEST_ENTRY} (it starts with "${firstPath}"), so nothing in it is signed; this is not a Fieldline bundle`,
  );
}
