/**
 * Writes ustar archives the strict reader accepts: regular files only, pax headers for long or
 * non-ASCII names, zero padding, the two-block end marker and nothing after it.
 *
 * `tarHeader` deliberately does not validate its input so tests can craft hostile archives
 * (links, absolute paths, devices) with the same code that writes good ones.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DEFAULT_CHUNK } from './chunked-file.js';

const BLOCK = 512;
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

export interface TarHeaderFields {
  readonly path: string;
  readonly size: number;
  /** ustar typeflag: '0' file (default), '5' directory, '1' hard link, '2' symlink, '3'/'4' devices, '6' FIFO. */
  readonly typeflag?: string;
  readonly linkname?: string;
  readonly mode?: number;
  /** Seconds since the epoch; bundles use a fixed time so the same inputs give the same bytes. */
  readonly mtime?: number;
}

/** The header block(s) for one entry: a pax header first when the name does not fit ustar. */
export function tarHeader(fields: TarHeaderFields): Buffer {
  const nameBytes = Buffer.from(fields.path, 'utf8');
  const plain = nameBytes.length <= 100 && /^[\x20-\x7e]*$/.test(fields.path);
  const main = ustarBlock({ ...fields, path: plain ? fields.path : `PaxHeaders/${shortName(fields.path)}` });
  if (plain) return main;
  const record = paxRecord('path', fields.path);
  const paxHead = ustarBlock({
    path: `PaxHeaders/${shortName(fields.path)}`,
    size: record.length,
    typeflag: 'x',
    mtime: fields.mtime ?? 0,
  });
  return Buffer.concat([paxHead, record, tarPadding(record.length), main]);
}

export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function ustarBlock(fields: TarHeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.path.slice(0, 100), 0, 100, 'utf8');
  writeOctal(block, 100, 8, fields.mode ?? (fields.typeflag === '5' ? 0o755 : 0o644));
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  if (fields.size > 0o77777777777) {
    block[124] = 0x80;
    let v = fields.size;
    for (let i = 135; i > 124; i--) {
      block[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime ?? 0);
  block.fill(0x20, 148, 156);
  block.write(fields.typeflag ?? '0', 156, 1, 'latin1');
  if (fields.linkname) block.write(fields.linkname.slice(0, 100), 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write('root', 265, 32, 'latin1');
  block.write('root', 297, 32, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  let length = bodyLength + String(bodyLength).length;
  while (bodyLength + String(length).length !== length) length = bodyLength + String(length).length;
  return Buffer.from(`${length}${body}`, 'utf8');
}

function shortName(path: string): string {
  return path.replace(/[^\x20-\x7e]/g, '_').slice(-80);
}

/** Sequential archive writer over one output file. */
export class TarWriter {
  private constructor(private readonly handle: FileHandle) {}

  static async create(out: string): Promise<TarWriter> {
    return new TarWriter(await open(out, 'w'));
  }

  async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
  }

  async addBytes(path: string, data: Uint8Array, mtime = 0): Promise<void> {
    await this.write(tarHeader({ path, size: data.length, mtime }));
    await this.write(data);
    await this.write(tarPadding(data.length));
  }

  /** Copy `source` in as `path`; `size` must be the file's size (it goes into the header first). */
  async addFile(path: string, source: string, size: number, mtime = 0): Promise<void> {
    await this.write(tarHeader({ path, size, mtime }));
    const input = await open(source, 'r');
    try {
      const buf = Buffer.allocUnsafe(DEFAULT_CHUNK);
      let copied = 0;
      while (copied < size) {
        const { bytesRead } = await input.read(buf, 0, Math.min(buf.length, size - copied), null);
        if (bytesRead === 0) throw new Error(`${source} became shorter while it was being added (${copied} of ${size} bytes)`);
        await this.write(buf.subarray(0, bytesRead));
        copied += bytesRead;
      }
    } finally {
      await input.close();
    }
    await this.write(tarPadding(size));
  }

  /** Copy raw bytes of an existing archive (used by sign to carry payloads over unchanged). */
  async copyRange(source: FileHandle, start: number, length: number): Promise<void> {
    const buf = Buffer.allocUnsafe(DEFAULT_CHUNK);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await source.read(buf, 0, Math.min(buf.length, length - done), start + done);
      if (bytesRead === 0) throw new Error('the bundle became shorter while it was being copied');
      await this.write(buf.subarray(0, bytesRead));
      done += bytesRead;
    }
  }

  async finish(): Promise<void> {
    await this.write(END_OF_ARCHIVE);
    await this.handle.close();
  }

  /** Close without an end marker (the copied bytes already end with one). */
  async close(): Promise<void> {
    await this.handle.close();
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
