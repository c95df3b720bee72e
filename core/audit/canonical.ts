/**
 * The canonical JSON encoding that audit hashes and signatures are computed over: RFC 8785
 * (JSON Canonicalization Scheme) restricted to what audit entries hold, so an auditor can
 * recompute every hash with any JCS library.
 *
 * Object keys are sorted by UTF-16 code units (JavaScript's default sort, as JCS requires), there
 * is no whitespace, strings and numbers are serialised as ECMAScript's JSON.stringify does.
 * Values JCS cannot represent faithfully are refused instead of silently changed: non-finite
 * numbers, unsafe integers, lone surrogates, `undefined`, and anything that is not a plain
 * object, array, string, number, boolean or null.
 */

export type { JsonValue } from './json-value.js';

export class CanonicalJsonError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'CanonicalJsonError';
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const REFUSED = Symbol('refused');

/** The canonical text of `value`; throws CanonicalJsonError naming the offending path. */
export function canonicalJson(value: unknown, path = '$'): string {
  // Hashing every audit entry goes through here: the fast encoder builds no paths; only a refused
  // value is encoded again, slowly, to name where it went wrong.
  try {
    return encode(value);
  } catch (err) {
    if (err !== REFUSED) throw err;
  }
  return encodeWithPath(value, path);
}

/** String.prototype.isWellFormed (ES2024, native in Node ≥ 20) when present: no regex scan per string. */
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
function wellFormed(text: string): boolean {
  if (nativeWellFormed) return nativeWellFormed.call(text);
  return !ANY_SURROGATE.test(text) || !LONE_SURROGATE.test(text);
}

/**
 * Checks every value and collects every member name; JSON.stringify with the sorted names as its
 * replacer list then writes each object's members in that order, and strings and numbers exactly
 * as JCS does, in one native pass.
 */
function encode(value: unknown): string {
  const names = new Set<string>();
  check(value, names);
  return JSON.stringify(value, names.size ? [...names].sort() : undefined);
}

function check(value: unknown, names: Set<string>): void {
  if (value === null) return;
  switch (typeof value) {
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) throw REFUSED;
      return;
    case 'string':
      if (!wellFormed(value)) throw REFUSED;
      return;
    case 'object': {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) check(value[i], names);
        return;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw REFUSED;
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        if (!wellFormed(key)) throw REFUSED;
        names.add(key);
        check(record[key], names);
      }
      return;
    }
    default:
      throw REFUSED;
  }
}

function encodeWithPath(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `${value} has no JSON form`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value))
        throw new CanonicalJsonError(path, `${value} is beyond 2^53 and would not survive a JSON round trip`);
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError(path, 'string holds a lone UTF-16 surrogate');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item, i) => encodeWithPath(item, `${path}[${i}]`)).join(',')}]`;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(path, `${describe(value)} is not a plain JSON object`);
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        if (LONE_SURROGATE.test(key)) throw new CanonicalJsonError(path, `key ${JSON.stringify(key)} holds a lone UTF-16 surrogate`);
        parts.push(`${JSON.stringify(key)}:${encodeWithPath(record[key], `${path}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(path, `${typeof value} has no JSON form`);
  }
}

/** The UTF-8 bytes of the canonical text: what is hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? `a ${name}` : 'the value';
}
