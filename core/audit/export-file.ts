/**
 * The sneakernet file (`.fieldline-audit.jsonl`): a signed range of the chain that travels on a
 * USB stick when there is no network at all.
 *
 * JSON Lines, UTF-8, every line canonical JSON ending in "\n": a header, one entry per line, the
 * checkpoint for the last entry, and a trailer that signs the SHA-256 of every byte before it.
 * Written to a temporary file and renamed (never half a file); read strictly, every bad line
 * named by its number. docs/audit-format.md specifies it.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { z } from 'zod';
import { canonicalJson } from './canonical.js';
import { checkCheckpoint, type Checkpoint } from './checkpoint.js';
import { AUDIT_FORMAT_VERSION, type AuditEntry } from './entry.js';
import type { AuditLog } from './audit-log.js';
import { ChainChecker, type ChainReport } from './verify.js';
import { fingerprint, fromHex, toHex, verifyBytes } from '../protocol/identity.js';

export const EXPORT_TYPE = 'fieldline-audit-export';
export const EXPORT_SIGNATURE_TYPE = 'fieldline-audit-export-signature';
export const EXPORT_EXTENSION = '.fieldline-audit.jsonl';
/** No line of an export is near this long (an entry's fields are bounded); longer means not ours. */
export const MAX_LINE_BYTES = 1 << 20;

const hex = (len: number): z.ZodString => z.string().regex(new RegExp(`^[0-9a-f]{${len}}$`), `must be ${len} lowercase hex digits`);
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const exportHeaderSchema = z
  .object({
    type: z.literal(EXPORT_TYPE),
    v: z.literal(AUDIT_FORMAT_VERSION),
    log: hex(64),
    publicKey: hex(64),
    first: seq,
    last: seq,
    count: z.number().int().min(1),
    exportedAt: z.number().int().min(0),
  })
  .strict();
export type ExportHeader = z.infer<typeof exportHeaderSchema>;

export const exportTrailerSchema = z.object({ type: z.literal(EXPORT_SIGNATURE_TYPE), sha256: hex(64), signature: hex(128) }).strict();

export interface ExportRange {
  first: number;
  last: number;
  count: number;
}

/** A file that is not a valid export: `line` (1-based) is where it went wrong. */
export class ExportFileError extends Error {
  readonly code = 'audit_export_invalid';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ExportFileError';
  }
}

/**
 * Produces the export of entries first..last (default: the whole log) with the checkpoint for
 * `last`, in chunks handed to `write` in order. The chain is checked as it goes: a broken log is
 * refused (naming the first bad seq), because no receiver would accept it.
 */
async function produceExport(
  log: AuditLog,
  range: { first?: number; last?: number },
  write: (bytes: Buffer) => Promise<void>,
): Promise<ExportRange> {
  const head = log.head();
  const first = range.first ?? 1;
  const last = range.last ?? head.seq;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first || last > head.seq)
    throw new Error(`there are no entries #${first}–#${last} to export: the log holds #1–#${head.seq}`);
  const checkpoint = log.checkpointAt(last);
  const header: ExportHeader = {
    type: EXPORT_TYPE,
    v: AUDIT_FORMAT_VERSION,
    log: log.logId,
    publicKey: log.publicKey,
    first,
    last,
    count: last - first + 1,
    exportedAt: Date.now(),
  };
  const digest = createHash('sha256');
  const checker = new ChainChecker({ expectFirst: { seq: first }, log: log.logId, checkpoints: [{ source: 'the export', checkpoint }] });
  let buffer: string[] = [];
  let size = 0;
  const put = async (line: string, flush = false): Promise<void> => {
    buffer.push(line, '\n');
    size += line.length + 1;
    if (size < 1 << 16 && !flush) return;
    const bytes = Buffer.from(buffer.join(''), 'utf8');
    digest.update(bytes);
    await write(bytes);
    buffer = [];
    size = 0;
  };
  await put(canonicalJson(header));
  let count = 0;
  for (const text of log.rangeText(first, last)) {
    checker.push(JSON.parse(text) as unknown);
    if (checker.firstBad)
      throw new Error(`the audit log is broken at #${checker.firstBad.seq} (${checker.firstBad.reason}); run \`fieldline audit verify\``);
    await put(text);
    count++;
  }
  const report = checker.finish();
  if (count !== header.count || !report.ok)
    throw new Error(
      `the audit log is broken: ${report.firstBad ? `#${report.firstBad.seq}: ${report.firstBad.reason}` : `found ${count} of ${header.count} entries`}`,
    );
  await put(canonicalJson(checkpoint), true);
  const sum = digest.digest();
  const trailer = { type: EXPORT_SIGNATURE_TYPE, sha256: sum.toString('hex'), signature: toHex(log.signExportDigest(sum)) };
  await write(Buffer.from(`${canonicalJson(trailer)}\n`, 'utf8'));
  return { first, last, count: header.count };
}

/** Writes the export to `file`: all or nothing (a temporary file, synced, then renamed). */
export async function writeExport(log: AuditLog, file: string, range: { first?: number; last?: number } = {}): Promise<ExportRange> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    const written = await produceExport(log, range, async (bytes) => {
      await handle.write(bytes);
    });
    await handle.sync();
    await handle.close();
    await rename(tmp, file);
    return written;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The export as text, for a UI host that hands it to the browser to save. */
export async function exportText(log: AuditLog, range: { first?: number; last?: number } = {}): Promise<ExportRange & { text: string }> {
  const chunks: Buffer[] = [];
  const written = await produceExport(log, range, async (bytes) => {
    chunks.push(bytes);
  });
  return { ...written, text: Buffer.concat(chunks).toString('utf8') };
}

export interface ExportFile {
  header: ExportHeader;
  checkpoint: Checkpoint;
  /** The chain report (ok: every check passed; readExport throws otherwise). */
  report: ChainReport;
  /** SHA-256 of the file up to the trailer (hex), as signed. */
  sha256: string;
  /**
   * The entries, read again from the file: memory stays bounded for any size. Throws
   * ExportFileError if the file changed since readExport checked it.
   */
  entries(): AsyncGenerator<AuditEntry>;
}

/** Reads and checks an export completely (trailer, signature, header, every entry, chain, checkpoint). */
export async function readExport(file: string): Promise<ExportFile> {
  let header: ExportHeader | undefined;
  let checker: ChainChecker | undefined;
  let checkpoint: Checkpoint | undefined;
  let trailer: z.infer<typeof exportTrailerSchema> | undefined;
  let digestBefore = '';
  let entries = 0;
  let lineNo = 0;
  for await (const { line, number, digestSoFar } of lines(file)) {
    lineNo = number;
    if (trailer) throw new ExportFileError(file, number, 'text after the signature line');
    const value = parseLine(file, number, line);
    const type = (value as { type?: unknown } | null)?.type;
    if (number === 1) {
      header = parseWith(exportHeaderSchema, value, file, number, 'header');
      if (fingerprint(fromHex(header.publicKey)) !== header.log)
        throw new ExportFileError(file, number, 'header: publicKey does not hash to log');
      if (header.count !== header.last - header.first + 1)
        throw new ExportFileError(file, number, `header: count ${header.count} does not match #${header.first}–#${header.last}`);
      checker = new ChainChecker({ expectFirst: { seq: header.first }, log: header.log });
      continue;
    }
    if (!header || !checker) throw new ExportFileError(file, number, 'no header');
    if (type === EXPORT_SIGNATURE_TYPE) {
      trailer = parseWith(exportTrailerSchema, value, file, number, 'signature line');
      digestBefore = digestSoFar;
      continue;
    }
    if (checkpoint) throw new ExportFileError(file, number, 'a line after the checkpoint that is not the signature line');
    if (type === 'fieldline-audit-checkpoint') {
      if (entries !== header.count)
        throw new ExportFileError(file, number, `the checkpoint comes after ${entries} entries, the header announces ${header.count}`);
      const check = checkCheckpoint(value, header.log);
      if (!check.ok) throw new ExportFileError(file, number, check.reason);
      if (canonicalOf(value, file, number) !== line) throw new ExportFileError(file, number, 'the checkpoint is not in canonical form');
      if (check.checkpoint.seq !== header.last)
        throw new ExportFileError(file, number, `the checkpoint signs #${check.checkpoint.seq}, the export ends at #${header.last}`);
      if (check.checkpoint.publicKey !== header.publicKey)
        throw new ExportFileError(file, number, 'the checkpoint is signed by another key than the header names');
      checker.addCheckpoint('the export', value);
      checkpoint = check.checkpoint;
      const report = checker.finish();
      if (!report.ok) throw new ExportFileError(file, number, report.firstBad?.reason ?? 'the checkpoint does not match the entries');
      continue;
    }
    entries++;
    if (entries > header.count) throw new ExportFileError(file, number, `more entries than the header announces (${header.count})`);
    if (canonicalOf(value, file, number) !== line)
      throw new ExportFileError(file, number, 'the entry is not in canonical form (was it edited?)');
    checker.push(value, entries);
    if (checker.firstBad) throw new ExportFileError(file, number, checker.firstBad.reason);
  }
  if (lineNo === 0) throw new ExportFileError(file, 1, 'the file is empty');
  if (!header || !checker) throw new ExportFileError(file, 1, 'no header');
  if (!checkpoint)
    throw new ExportFileError(
      file,
      lineNo,
      `the file ends without the checkpoint (after ${entries} of ${header.count} entries): it is incomplete`,
    );
  if (!trailer) throw new ExportFileError(file, lineNo, 'the file ends without the signature line: it is incomplete');
  if (trailer.sha256 !== digestBefore)
    throw new ExportFileError(
      file,
      lineNo,
      'the SHA-256 in the signature line does not match the file: a line was changed, added or removed',
    );
  if (!verifyBytes(fromHex(header.publicKey), Buffer.from(trailer.sha256, 'hex'), fromHex(trailer.signature)))
    throw new ExportFileError(file, lineNo, "the signature does not verify with the header's public key");
  const report = checker.finish();
  const signed = trailer.sha256;
  return {
    header,
    checkpoint,
    report,
    sha256: signed,
    entries: () => rereadEntries(file, header, signed),
  };
}

async function* rereadEntries(file: string, header: ExportHeader, sha256: string): AsyncGenerator<AuditEntry> {
  // The file is checked again as it is read: it may have been replaced since readExport.
  const checker = new ChainChecker({ expectFirst: { seq: header.first }, log: header.log });
  let seen = 0;
  for await (const { line, number, digestSoFar } of lines(file)) {
    if (number === 1) continue;
    if (seen === header.count) {
      if (number === header.count + 3 && digestSoFar !== sha256)
        throw new ExportFileError(file, number, 'the file changed while it was being read');
      continue;
    }
    seen++;
    const value = parseLine(file, number, line);
    checker.push(value, seen);
    if (checker.firstBad) throw new ExportFileError(file, number, `the file changed while it was being read: ${checker.firstBad.reason}`);
    yield value as AuditEntry;
  }
}

function canonicalOf(value: unknown, file: string, number: number): string {
  try {
    return canonicalJson(value);
  } catch (err) {
    throw new ExportFileError(file, number, `has no canonical form: ${(err as Error).message}`);
  }
}

function parseLine(file: string, number: number, line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (err) {
    throw new ExportFileError(file, number, `not JSON: ${(err as Error).message}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string, number: number, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) {
    if (canonicalOf(value, file, number) !== canonicalOf(parsed.data, file, number))
      throw new ExportFileError(file, number, `${what} is not in canonical form`);
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  throw new ExportFileError(file, number, `${what}: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
}

interface Line {
  line: string;
  number: number;
  /** Hex SHA-256 of every byte before this line. */
  digestSoFar: string;
}

/**
 * The file's lines, strictly: UTF-8 without BOM, "\n" endings (no "\r"), a final "\n", no empty
 * lines, none longer than MAX_LINE_BYTES. Each line comes with the digest of the bytes before it.
 */
async function* lines(file: string): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const digest: Hash = createHash('sha256');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let number = 0;
  const take = (bytes: Buffer): Line => {
    number++;
    if (bytes.length === 0) throw new ExportFileError(file, number, 'empty line');
    if (bytes[bytes.length - 1] === 0x0d) throw new ExportFileError(file, number, 'line ends in "\\r\\n"; an export uses "\\n" only');
    if (number === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
      throw new ExportFileError(file, number, 'starts with a byte order mark');
    let line: string;
    try {
      line = decoder.decode(bytes);
    } catch {
      throw new ExportFileError(file, number, 'not valid UTF-8');
    }
    const digestSoFar = digest.copy().digest('hex');
    digest.update(bytes);
    digest.update('\n');
    return { line, number, digestSoFar };
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = pending.length ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      if (bytes.length > MAX_LINE_BYTES) throw new ExportFileError(file, number + 1, `line is longer than ${MAX_LINE_BYTES} bytes`);
      yield take(bytes);
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) throw new ExportFileError(file, number + 1, `line is longer than ${MAX_LINE_BYTES} bytes`);
    }
  }
  if (pendingBytes > 0) throw new ExportFileError(file, number + 1, 'the last line does not end with "\\n": the file is cut off');
}
