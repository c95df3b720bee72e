/**
 * verifyBundle: every check a bundle must pass, in one streaming read of the file.
 *
 * Order matters for safety: the manifest entry is read (bounded), its signatures and threshold
 * are judged before anything the manifest says is believed, then every payload is hashed as it
 * streams past (gzip payloads also inflated, bounded by their declared size), then completeness,
 * the end of the archive, and finally the target gateway. Nothing throws for a bad bundle: each
 * problem is a failed Check with a code and a sentence a technician can act on.
 */
import { stat } from 'node:fs/promises';
import { ChunkedFile } from './chunked-file.js';
import { parseEnvelope, type DsseEnvelope } from './dsse.js';
import { readManifestEntry } from './manifest-entry.js';
import { BUNDLE_KINDS, parseManifest, type BundleKind, type Manifest } from './manifest.js';
import { verifyPayloads } from './payload-walk.js';
import { checkClock, checkCompatibility, checkValidity, type Clock, type Target } from './policy.js';
import { fail, firstFailure, pass, skip, type Check } from './reasons.js';
import { TarReader } from './tar-reader.js';
import { evaluateSignatures, type SignerResult, type TrustPolicy } from './trust.js';

export interface VerifyOptions {
  /** The laptop clock (ms); defaults to Date.now(). Ignored when `clock` is given. */
  readonly now?: number;
  /** The gateway the bundle is meant for; without it hardware, counter and version are not checked. */
  readonly target?: Target;
  /** The clock with its last trusted time; adds the clock-uncertainty line to the report. */
  readonly clock?: Clock;
  /** Read size in bytes (default 1 MiB). */
  readonly chunkSize?: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly file: string;
  readonly size: number;
  /** Lowercase hex SHA-256 of the whole file ('' when it could not be read). */
  readonly sha256: string;
  readonly manifest: Manifest | null;
  readonly envelope: DsseEnvelope | null;
  readonly signers: readonly SignerResult[];
  readonly checks: readonly Check[];
  readonly firstFailure: Check | null;
}

export async function verifyBundle(file: string, policy: TrustPolicy, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: Check[] = [];
  const clock: Clock = options.clock ?? { now: options.now ?? Date.now(), trustedTimeFloor: null };
  let size = 0;
  let source: ChunkedFile;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('it is not a regular file'), { code: 'EISDIR' });
    size = info.size;
    source = await ChunkedFile.open(file, options.chunkSize ? { chunkSize: options.chunkSize } : {});
  } catch (error) {
    checks.push(
      fail(
        'file',
        'manifest_missing',
        `Fieldline could not read ${file}: ${describeIoError(error)}. Check the path and that the file is readable`,
      ),
    );
    return report({ file, size, sha256: '', manifest: null, envelope: null, signers: [], checks });
  }

  let manifest: Manifest | null = null;
  let envelope: DsseEnvelope | null = null;
  let signers: readonly SignerResult[] = [];
  let sha256 = '';
  try {
    const reader = new TarReader(source);
    let trusted: Manifest | null = null;
    let walked = false;
    const entry = await readManifestEntry(reader);
    if (!entry.ok) {
      checks.push(size === 0 ? fail('manifest-entry', 'manifest_missing', `${file} is empty; it is not a Fieldline bundle`) : entry.check);
      walked = entry.walked;
    } else {
      const parsed = parseEnvelope(entry.bytes);
      if (!parsed.ok) checks.push(parsed.check);
      else {
        envelope = parsed.envelope;
        checks.push(
          pass('envelope', `signed envelope with ${envelope.signatures.length} signature${envelope.signatures.length === 1 ? '' : 's'}`),
        );
        const kind = peekKind(parsed.payload);
        if (!kind) {
          checks.push(
            fail(
              'manifest',
              'manifest_invalid',
              `the signed manifest does not say which kind of bundle it is (os-image, firmware or model), so no signing rule applies. Rebuild the bundle`,
            ),
          );
        } else {
          const evaluation = evaluateSignatures(envelope, policy, kind, clock.now);
          signers = evaluation.signers;
          checks.push(...evaluation.checks);
          const signed = !evaluation.checks.some((c) => c.status === 'fail');
          const result = parseManifest(parsed.payload);
          if (!result.ok) checks.push(fail('manifest', 'manifest_invalid', result.message));
          else {
            manifest = result.manifest;
            checks.push(
              pass(
                'manifest',
                `${manifest.kind} "${manifest.name}" ${manifest.version}, security counter ${manifest.securityCounter}, ${manifest.payloads.length} payload${manifest.payloads.length === 1 ? '' : 's'}`,
              ),
            );
            if (signed) trusted = manifest;
            if (options.clock) checks.push(checkClock(clock));
            checks.push(checkValidity(manifest, clock));
          }
        }
      }
    }
    if (!trusted)
      checks.push(
        skip(
          'payload',
          'payloads were not checked against the manifest because the manifest could not be trusted; the archive structure was still checked',
        ),
      );
    if (walked) await source.drain();
    else checks.push(...(await verifyPayloads(reader, trusted)));
    if (trusted && options.target) checks.push(...checkCompatibility(trusted, options.target));
    sha256 = source.sha256();
  } catch (error) {
    // A read error mid-file (disk, removed USB stick) is a property of this copy, not a bug.
    checks.push(
      fail(
        'file',
        'truncated',
        `reading ${file} failed part-way (${describeIoError(error)}); the copy is unreadable or was removed. Copy the bundle again`,
      ),
    );
  } finally {
    await source.close().catch(() => undefined);
  }
  return report({ file, size, sha256, manifest, envelope, signers, checks });
}

function report(parts: Omit<VerifyReport, 'ok' | 'firstFailure'>): VerifyReport {
  const first = firstFailure(parts.checks);
  return { ...parts, ok: first === null, firstFailure: first };
}

/** The kind decides which role and threshold apply; it is read before the full schema check. */
function peekKind(payload: Uint8Array): BundleKind | null {
  try {
    const json: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (typeof json !== 'object' || json === null || !('kind' in json)) return null;
    const kind = (json as { kind: unknown }).kind;
    return (BUNDLE_KINDS as readonly unknown[]).includes(kind) ? (kind as BundleKind) : null;
  } catch {
    return null;
  }
}

export function describeIoError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'EIO':
      return 'the disk reported an input/output error';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
