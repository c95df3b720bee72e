/**
 * Add a signature to an existing bundle: threshold signing is several key holders each running
 * this in turn. Only the manifest entry is rewritten; the payload bytes are copied unchanged.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { generateIdentity, identityToPem, toHex, type Ed25519Identity } from '../protocol/identity.js';
import { ChunkedFile } from './chunked-file.js';
import { encodeEnvelope, parseEnvelope, signEnvelope, type DsseEnvelope } from './dsse.js';
import { readManifestEntry } from './manifest-entry.js';
import { MANIFEST_ENTRY, MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';
import { fail, type Check } from './reasons.js';
import { TarReader } from './tar-reader.js';
import { TarWriter } from './tar-writer.js';
import { describeIoError } from './verify.js';

export { signEnvelope } from './dsse.js';

export type SignResult =
  { readonly ok: true; readonly envelope: DsseEnvelope; readonly file: string } | { readonly ok: false; readonly check: Check };

/** Sign `file` with `identity`, writing to `out` (default: in place, via a temporary file). */
export async function signBundle(file: string, identity: Ed25519Identity, out: string = file): Promise<SignResult> {
  let source: ChunkedFile;
  try {
    source = await ChunkedFile.open(file, { hash: false, chunkSize: 64 * 1024 });
  } catch (error) {
    return { ok: false, check: fail('file', 'manifest_missing', `Fieldline could not read ${file}: ${describeIoError(error)}`) };
  }
  let envelope: DsseEnvelope;
  let payloadStart: number;
  try {
    const entry = await readManifestEntry(new TarReader(source));
    if (!entry.ok) return { ok: false, check: entry.check };
    const parsed = parseEnvelope(entry.bytes);
    if (!parsed.ok) return { ok: false, check: parsed.check };
    const manifest = parseManifest(parsed.payload);
    // Signing vouches for the content: refuse to sign something that is not a valid manifest.
    if (!manifest.ok) return { ok: false, check: fail('manifest', 'manifest_invalid', manifest.message) };
    envelope = signEnvelope(parsed.envelope, identity);
    payloadStart = source.offset;
  } finally {
    await source.close().catch(() => undefined);
  }
  const bytes = encodeEnvelope(envelope);
  if (bytes.length > MAX_MANIFEST_BYTES)
    return {
      ok: false,
      check: fail('manifest-entry', 'manifest_too_large', `with this signature the manifest would exceed ${MAX_MANIFEST_BYTES} bytes`),
    };
  const partial = `${out}.signing-${process.pid}`;
  const input = await open(file, 'r');
  try {
    const { size } = await stat(file);
    const writer = await TarWriter.create(partial);
    try {
      await writer.addBytes(MANIFEST_ENTRY, bytes, await manifestMtime(input));
      await writer.copyRange(input, payloadStart, size - payloadStart);
      await writer.close();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await rename(partial, out);
    return { ok: true, envelope, file: out };
  } catch (error) {
    await rm(partial, { force: true });
    return { ok: false, check: fail('file', 'truncated', `signing ${file} failed while copying it (${describeIoError(error)})`) };
  } finally {
    await input.close();
  }
}

/** Keep the original entry's timestamp so signing changes only the envelope bytes. */
async function manifestMtime(input: Awaited<ReturnType<typeof open>>): Promise<number> {
  const block = Buffer.alloc(512);
  await input.read(block, 0, 512, 0);
  const m = /^([0-7]+)/.exec(block.toString('latin1', 136, 148));
  return m ? parseInt(m[1]!, 8) : 0;
}

export interface GeneratedKey {
  readonly identity: Ed25519Identity;
  readonly keyId: string;
  /** Hex of the raw 32-byte public key (what a trust store imports). */
  readonly publicKey: string;
  readonly privateKeyPem: string;
}

export function keygen(): GeneratedKey {
  const identity = generateIdentity();
  return { identity, keyId: identity.id, publicKey: toHex(identity.publicKey), privateKeyPem: identityToPem(identity) };
}
