/**
 * A small, strict, streaming reader for ustar archives (with pax and GNU long names).
 *
 * It exists because a bundle reader is an attack surface: it accepts only regular files and
 * directories with safe, unique names, checks every header checksum in its one canonical spelling,
 * requires zero padding and the two-block end marker, and allows nothing but zeros after it. Any
 * change to any byte of a well-formed archive therefore surfaces as a problem with a reason code.
 * Memory is one read buffer plus at most one pax header, whatever the archive's size.
 */
import { checkBundlePath, collisionKey } from './bundle-path.js';
import type { ChunkedFile } from './chunked-file.js';
import type { BundleReason } from './reasons.js';
import { parseHeader, parseLongName, parsePax, type Overrides } from './tar-header.js';

const BLOCK = 512;
/** Pax and GNU long-name headers carry names, never data: anything larger is hostile. */
const MAX_EXTENDED_HEADER = 64 * 1024;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

export interface TarProblem {
  readonly code: BundleReason;
  readonly message: string;
  readonly subject?: string;
}

export interface TarEntry {
  readonly path: string;
  readonly type: 'file' | 'directory';
  readonly size: number;
  /** File offset of the entry's (first) header, for messages and tests. */
  readonly headerOffset: number;
}

export type TarStep =
  /** A header; its body must be read with body() or skip() before the next call. `problem` = refused entry. */
  | { readonly kind: 'entry'; readonly entry: TarEntry; readonly problem: TarProblem | null }
  /** The end-of-archive marker; call finish() to check what follows it. */
  | { readonly kind: 'end' }
  /** The archive cannot be read further. */
  | { readonly kind: 'fatal'; readonly problem: TarProblem };

export type ChunkSink = (chunk: Buffer) => void | Promise<void>;

export class TarReader {
  private remaining = 0;
  private padding = 0;
  private current: TarEntry | null = null;
  private readonly seen = new Set<string>();
  private readonly folded = new Map<string, string>();

  constructor(private readonly file: ChunkedFile) {}

  async next(): Promise<TarStep> {
    if (this.remaining > 0 || this.padding > 0) {
      const problem = await this.skip();
      if (problem?.code === 'truncated') return { kind: 'fatal', problem };
    }
    const overrides: Overrides = {};
    let extended = 0;
    for (;;) {
      const headerOffset = this.file.offset;
      const got = await this.file.ensure(BLOCK);
      if (got < BLOCK) return { kind: 'fatal', problem: truncatedHeader(headerOffset, got) };
      const block = this.file.peek(BLOCK);
      if (block.equals(ZERO_BLOCK)) {
        this.file.consume(BLOCK);
        if (extended > 0)
          return malformed(`an extended header at byte ${headerOffset} is followed by the end of the archive instead of an entry`);
        return this.secondEndBlock(headerOffset);
      }
      const header = parseHeader(block, headerOffset);
      if ('code' in header) return { kind: 'fatal', problem: header };
      this.file.consume(BLOCK);
      const { typeflag } = header;

      if (typeflag === 'x' || typeflag === 'L') {
        if (++extended > 2) return malformed(`more than two extended headers in a row at byte ${headerOffset}`);
        if (header.size > MAX_EXTENDED_HEADER)
          return malformed(
            `an extended header at byte ${headerOffset} is ${header.size} bytes, more than the ${MAX_EXTENDED_HEADER} allowed`,
          );
        const data = await this.readSmall(header.size);
        if ('code' in data) return { kind: 'fatal', problem: data };
        const problem = typeflag === 'x' ? parsePax(data, overrides, headerOffset) : parseLongName(data, overrides, headerOffset);
        if (problem) return { kind: 'fatal', problem };
        continue;
      }

      const rawPath = overrides.path ?? header.name;
      const size = overrides.size ?? header.size;
      const type: TarEntry['type'] = typeflag === '5' ? 'directory' : 'file';
      const path = normalise(rawPath, type);
      const entry: TarEntry = { path, type, size, headerOffset };
      this.current = entry;
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      return { kind: 'entry', entry, problem: typeProblem(typeflag, path) ?? this.nameProblem(path, type) };
    }
  }

  /** Stream the current entry's body to `sink` in chunks of up to one read buffer. */
  async body(sink: ChunkSink): Promise<TarProblem | null> {
    while (this.remaining > 0) {
      let available = this.file.available;
      if (available === 0) available = await this.file.ensure(1);
      if (available === 0) {
        const entry = this.current;
        const problem: TarProblem = {
          code: 'truncated',
          message: `the bundle is cut short inside "${entry?.path ?? '?'}": ${this.remaining} of its ${entry?.size ?? 0} bytes are missing. Copy the bundle again; the transfer did not finish`,
          ...(entry ? { subject: entry.path } : {}),
        };
        this.remaining = 0;
        this.padding = 0;
        return problem;
      }
      const take = Math.min(available, this.remaining);
      const chunk = this.file.peek(take);
      this.remaining -= take;
      const pending = sink(chunk);
      if (pending) await pending;
      this.file.consume(take);
    }
    return this.readPadding();
  }

  /**
   * Pull-style body reading: the next chunk of the current entry (valid until the next call),
   * null once the body and its padding are read, or the problem that stopped it.
   */
  async nextChunk(): Promise<Buffer | null | TarProblem> {
    if (this.remaining === 0) return this.readPadding();
    let available = this.file.available;
    if (available === 0) available = await this.file.ensure(1);
    if (available === 0) {
      const entry = this.current;
      this.remaining = 0;
      this.padding = 0;
      return {
        code: 'truncated',
        message: `the bundle is cut short inside "${entry?.path ?? '?'}"`,
        ...(entry ? { subject: entry.path } : {}),
      };
    }
    const take = Math.min(available, this.remaining);
    const chunk = this.file.peek(take);
    this.remaining -= take;
    this.file.consume(take);
    return chunk;
  }

  /** Read the rest of the file unparsed (after a fatal problem), so the whole-file hash completes. */
  drain(): Promise<void> {
    this.remaining = 0;
    this.padding = 0;
    return this.file.drain();
  }

  skip(): Promise<TarProblem | null> {
    return this.body(() => undefined);
  }

  /** After 'end': only zero bytes may follow the end-of-archive marker (record padding). */
  async finish(): Promise<TarProblem | null> {
    for (;;) {
      const available = this.file.available || (await this.file.ensure(1));
      if (available === 0) return null;
      const chunk = this.file.peek();
      const at = firstNonZero(chunk);
      if (at >= 0) {
        const offset = this.file.offset + at;
        await this.file.drain();
        return {
          code: 'trailing_garbage',
          message: `there are ${formatCount(this.file.offset - offset)} of data after the end of the archive (from byte ${offset}); a verified bundle ends with its end marker. Something was appended to this file: get a clean copy`,
        };
      }
      this.file.consume(chunk.length);
    }
  }

  private async secondEndBlock(firstOffset: number): Promise<TarStep> {
    const got = await this.file.ensure(BLOCK);
    if (got < BLOCK)
      return {
        kind: 'fatal',
        problem: {
          code: 'truncated',
          message: `the archive's end marker at byte ${firstOffset} is incomplete (one zero block of two); the file was cut short. Copy the bundle again`,
        },
      };
    if (!this.file.peek(BLOCK).equals(ZERO_BLOCK))
      return malformed(`a zero block at byte ${firstOffset} is followed by more data; an archive may only end with two zero blocks`);
    this.file.consume(BLOCK);
    return { kind: 'end' };
  }

  private async readPadding(): Promise<TarProblem | null> {
    if (this.padding === 0) return null;
    const got = await this.file.ensure(this.padding);
    const entry = this.current;
    if (got < this.padding) {
      this.padding = 0;
      return { code: 'truncated', message: `the bundle is cut short right after "${entry?.path ?? '?'}". Copy the bundle again` };
    }
    const pad = this.file.peek(this.padding);
    const dirty = firstNonZero(pad) >= 0;
    this.file.consume(this.padding);
    this.padding = 0;
    return dirty
      ? {
          code: 'tar_malformed',
          message: `the padding after "${entry?.path ?? '?'}" is not zero; the archive was altered after it was written`,
          ...(entry ? { subject: entry.path } : {}),
        }
      : null;
  }

  private async readSmall(size: number): Promise<Buffer | TarProblem> {
    const parts: Buffer[] = [];
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.current = null;
    const problem = await this.body((chunk) => void parts.push(Buffer.from(chunk)));
    return problem ?? Buffer.concat(parts);
  }

  private nameProblem(path: string, type: TarEntry['type']): TarProblem | null {
    const bad = checkBundlePath(path);
    if (bad) return { ...bad, subject: path };
    if (this.seen.has(path))
      return {
        code: 'path_duplicate',
        message: `"${path}" appears twice in the archive; a tool extracting it would keep only one of them. The bundle was built wrongly or tampered with`,
        subject: path,
      };
    const key = collisionKey(path);
    const other = this.folded.get(key);
    this.seen.add(path);
    if (other !== undefined)
      return {
        code: 'path_collision',
        message: `"${path}" and "${other}" name the same file on a case-insensitive or Unicode-normalising file system (${type === 'directory' ? 'folder' : 'file'} names differ only in case or accent encoding); one would overwrite the other`,
        subject: path,
      };
    this.folded.set(key, path);
    return null;
  }
}

function normalise(path: string, type: TarEntry['type']): string {
  let p = path.startsWith('./') && path.length > 2 ? path.slice(2) : path;
  if (type === 'directory' && p.endsWith('/') && p.length > 1) p = p.slice(0, -1);
  return p;
}

function typeProblem(typeflag: string, path: string): TarProblem | null {
  const shown = JSON.stringify(path);
  switch (typeflag) {
    case '0':
    case '5':
      return null;
    case '1':
      return {
        code: 'entry_hardlink',
        message: `${shown} is a hard link; bundles may contain only regular files, since a link could point an install at another file`,
        subject: path,
      };
    case '2':
      return {
        code: 'entry_link',
        message: `${shown} is a symbolic link; bundles may contain only regular files, since a link could point an install outside its folder`,
        subject: path,
      };
    case '3':
    case '4':
      return { code: 'entry_device', message: `${shown} is a device node; bundles may contain only regular files`, subject: path };
    case '6':
      return { code: 'entry_device', message: `${shown} is a FIFO (named pipe); bundles may contain only regular files`, subject: path };
    default:
      return {
        code: 'entry_type',
        message: `${shown} has tar entry type "${typeflag}", which bundles do not allow (only regular files and folders)`,
        subject: path,
      };
  }
}

function truncatedHeader(offset: number, got: number): TarProblem {
  return got === 0
    ? {
        code: 'truncated',
        message: `the bundle ends at byte ${offset} without the tar end-of-archive marker; the file was cut short. Copy the bundle again`,
      }
    : { code: 'truncated', message: `the bundle ends inside a header at byte ${offset}; the file was cut short. Copy the bundle again` };
}

function malformed(message: string): TarStep {
  return { kind: 'fatal', problem: { code: 'tar_malformed', message: `${message}; the archive is damaged` } };
}

function firstNonZero(buf: Buffer): number {
  // Compare in blocks first: trailing data is normally all zeros and this stays fast.
  for (let i = 0; i < buf.length; i += BLOCK) {
    const part = buf.subarray(i, Math.min(i + BLOCK, buf.length));
    if (part.equals(ZERO_BLOCK.subarray(0, part.length))) continue;
    for (let j = 0; j < part.length; j++) if (part[j] !== 0) return i + j;
  }
  return -1;
}

function formatCount(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}
