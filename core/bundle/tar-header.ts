/**
 * Parsing one ustar header block and the extended headers (pax, GNU long name) that may precede it.
 *
 * Every field is read in exactly one accepted spelling, so a changed byte cannot decode to the same
 * meaning; problems come back as values with reason codes, never as exceptions.
 */
import type { TarProblem } from './tar-reader.js';

const BLOCK = 512;
const PAX_KEYS_IGNORED = new Set(['mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', 'comment', 'charset']);

/** What extended headers override in the entry that follows them. */
export interface Overrides {
  path?: string;
  size?: number;
}

export interface Header {
  readonly name: string;
  readonly size: number;
  readonly typeflag: string;
}

export function parseHeader(block: Buffer, offset: number): Header | TarProblem {
  const magic = block.toString('latin1', 257, 265);
  const posix = magic === 'ustar\u000000';
  if (!posix && magic !== 'ustar  \u0000')
    return {
      code: 'tar_malformed',
      message: `the block at byte ${offset} is not a tar header (no ustar signature); the file is not a bundle or is damaged`,
    };
  // The canonical spelling (six octal digits, NUL, space, as GNU tar, bsdtar and Python write it):
  // any other spelling of the same number would let a changed byte pass unnoticed.
  const chk = block.toString('latin1', 148, 156);
  if (!/^[0-7]{6}\u0000 $/.test(chk))
    return { code: 'tar_malformed', message: `the header at byte ${offset} has a malformed checksum field; the archive is damaged` };
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
  if (sum !== parseInt(chk.slice(0, 6), 8))
    return { code: 'tar_malformed', message: `the header at byte ${offset} fails its checksum; the archive is damaged or was altered` };
  const size = parseSize(block.subarray(124, 136));
  if (size === null) return { code: 'tar_malformed', message: `the header at byte ${offset} has an unreadable size field` };
  const name = decodeName(block.subarray(0, 100));
  const prefix = posix ? decodeName(block.subarray(345, 500)) : '';
  if (name === null || prefix === null)
    return { code: 'path_invalid', message: `the entry at byte ${offset} has a name that is not valid UTF-8` };
  const typeflag = block[156] === 0 ? '0' : String.fromCharCode(block[156]!);
  return { name: prefix ? `${prefix}/${name}` : name, size, typeflag };
}

function parseSize(field: Buffer): number | null {
  if ((field[0]! & 0x80) !== 0) {
    // GNU base-256: big-endian, high bit set; negative sizes are nonsense.
    if ((field[0]! & 0x40) !== 0) return null;
    let value = field[0]! & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return Number.isSafeInteger(value) ? value : null;
  }
  const text = field.toString('latin1');
  const m = /^ *([0-7]+)[ \u0000]*$/.exec(text);
  if (!m) return null;
  const value = parseInt(m[1]!, 8);
  return Number.isSafeInteger(value) ? value : null;
}

export function decodeName(field: Buffer): string | null {
  const end = field.indexOf(0);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(end < 0 ? field : field.subarray(0, end));
  } catch {
    return null;
  }
}

export function parsePax(data: Buffer, into: Overrides, offset: number): TarProblem | null {
  let pos = 0;
  const bad = (why: string): TarProblem => ({ code: 'tar_malformed', message: `the pax header at byte ${offset} is malformed: ${why}` });
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0 || space - pos > 8) return bad('a record has no length');
    const lenText = data.toString('latin1', pos, space);
    if (!/^[1-9]\d*$/.test(lenText)) return bad('a record length is not a number');
    const len = Number(lenText);
    if (pos + len > data.length || data[pos + len - 1] !== 0x0a) return bad('a record does not end where its length says');
    let record: string;
    try {
      record = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(space + 1, pos + len - 1));
    } catch {
      return bad('a record is not UTF-8');
    }
    const eq = record.indexOf('=');
    if (eq <= 0) return bad('a record has no key');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') into.path = value;
    else if (key === 'size') {
      if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) return bad('the size is not a number');
      into.size = Number(value);
    } else if (!PAX_KEYS_IGNORED.has(key) && !key.startsWith('SCHILY.xattr.') && !key.startsWith('LIBARCHIVE.xattr.'))
      return { code: 'entry_type', message: `the pax header at byte ${offset} uses "${key}", which bundles do not support` };
    pos += len;
  }
  return null;
}

export function parseLongName(data: Buffer, into: Overrides, offset: number): TarProblem | null {
  const name = decodeName(data);
  if (name === null) return { code: 'path_invalid', message: `the long name at byte ${offset} is not valid UTF-8` };
  into.path = name;
  return null;
}
