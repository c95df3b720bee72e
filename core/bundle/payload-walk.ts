/**
 * The payload half of verification: walk the archive after the manifest entry, hash every listed
 * payload while it streams past, and account for every entry and every listed path.
 *
 * With no trusted manifest the walk still checks the archive's structure (links, paths, end
 * marker, trailing data), so a refused bundle reports everything wrong with it at once.
 */
import { createHash } from 'node:crypto';
import { GunzipHasher } from './gunzip-hasher.js';
import type { Manifest, ManifestPayload } from './manifest.js';
import { fail, formatBytes, pass, shortHash, type Check } from './reasons.js';
import type { TarReader } from './tar-reader.js';

export async function verifyPayloads(reader: TarReader, manifest: Manifest | null): Promise<Check[]> {
  const checks: Check[] = [];
  const listed = new Map((manifest?.payloads ?? []).map((p) => [p.path, p]));
  const found = new Set<string>();
  for (;;) {
    const step = await reader.next();
    if (step.kind === 'fatal') {
      checks.push(fail('archive', step.problem.code, step.problem.message, step.problem.subject));
      await reader.drain();
      break;
    }
    if (step.kind === 'end') {
      const trailing = await reader.finish();
      if (trailing) checks.push(fail('archive', trailing.code, trailing.message));
      else if (!checks.some((c) => c.id === 'archive' && c.status === 'fail'))
        checks.push(pass('archive', 'the archive holds only regular files with safe, unique names and ends cleanly'));
      break;
    }
    const { entry, problem } = step;
    if (problem) {
      checks.push(fail('archive', problem.code, problem.message, entry.path));
      continue;
    }
    if (entry.type === 'directory' || !manifest) continue;
    const payload = listed.get(entry.path);
    if (!payload) {
      checks.push(
        fail(
          'payload',
          'payload_unlisted',
          `"${entry.path}" is in the archive but not in the signed manifest, so nobody vouches for it; the bundle was altered after signing. Get a fresh copy`,
          entry.path,
        ),
      );
      continue;
    }
    found.add(entry.path);
    if (entry.size !== payload.size) {
      checks.push(
        fail(
          'payload',
          'payload_size_mismatch',
          `"${entry.path}" is ${formatBytes(entry.size)} but the signed manifest says ${formatBytes(payload.size)}; the file was altered or replaced. Get a fresh copy`,
          entry.path,
        ),
      );
      continue;
    }
    const result = await hashPayload(reader, payload);
    checks.push(...result);
    if (result.some((c) => c.code === 'truncated')) {
      await reader.drain();
      break;
    }
  }
  if (manifest) {
    const missing = manifest.payloads.filter((p) => !found.has(p.path));
    for (const p of missing)
      checks.push(
        fail(
          'payloads-complete',
          'payload_missing',
          `"${p.path}" is listed in the signed manifest but is not in the archive; the bundle is incomplete. Get a complete copy`,
          p.path,
        ),
      );
    if (!missing.length)
      checks.push(
        pass(
          'payloads-complete',
          `all ${manifest.payloads.length} listed payload${manifest.payloads.length === 1 ? ' is' : 's are'} present`,
        ),
      );
  }
  return checks;
}

async function hashPayload(reader: TarReader, payload: ManifestPayload): Promise<Check[]> {
  const { path } = payload;
  const stored = createHash('sha256');
  const gz = payload.compression === 'gzip' && payload.uncompressed ? new GunzipHasher(payload.uncompressed.size) : null;
  const cut = await reader.body(
    gz
      ? (chunk) => {
          stored.update(chunk);
          return gz.feed(chunk);
        }
      : (chunk) => void stored.update(chunk),
  );
  if (cut) {
    gz?.abort();
    return [fail(cut.code === 'truncated' ? 'archive' : 'payload', cut.code, cut.message, path)];
  }
  const digest = stored.digest('hex');
  if (digest !== payload.sha256) {
    gz?.abort();
    return [
      fail(
        'payload',
        'payload_hash_mismatch',
        `"${path}" has SHA-256 ${shortHash(digest)} but the signed manifest says ${shortHash(payload.sha256)}; its contents were altered or corrupted. Get a fresh copy`,
        path,
      ),
    ];
  }
  if (!gz || !payload.uncompressed) return [pass('payload', `"${path}": ${formatBytes(payload.size)}, SHA-256 matches the manifest`, path)];
  const want = payload.uncompressed;
  const out = await gz.end();
  switch (out.kind) {
    case 'bomb':
      return [
        fail(
          'payload',
          'decompression_bomb',
          `"${path}" inflates to more than the ${formatBytes(want.size)} the manifest declares; decompression was stopped so it cannot fill the disk. Do not use this bundle; report it to its publisher`,
          path,
        ),
      ];
    case 'failed':
      return [
        fail(
          'payload',
          'decompression_failed',
          `"${path}" is not valid gzip data (${out.detail}); the bundle was built wrongly. Ask its publisher for a corrected bundle`,
          path,
        ),
      ];
    case 'ok':
      if (out.size !== want.size)
        return [
          fail(
            'payload',
            'payload_size_mismatch',
            `"${path}" inflates to ${formatBytes(out.size)} but the manifest declares ${formatBytes(want.size)}; the bundle was built wrongly. Ask its publisher for a corrected bundle`,
            path,
          ),
        ];
      if (out.sha256 !== want.sha256)
        return [
          fail(
            'payload',
            'payload_hash_mismatch',
            `"${path}" inflates to data with SHA-256 ${shortHash(out.sha256)} but the manifest says ${shortHash(want.sha256)}; the bundle was built wrongly. Ask its publisher for a corrected bundle`,
            path,
          ),
        ];
      return [
        pass(
          'payload',
          `"${path}": ${formatBytes(payload.size)} gzip, ${formatBytes(want.size)} inflated; both SHA-256 match the manifest`,
          path,
        ),
      ];
  }
}
