/**
 * `POST /api/bundles`: a bundle chosen in the browser, streamed to disk, then imported.
 *
 * A web page cannot hand the engine a file path, so the bytes come over HTTP instead. They go
 * straight to a temporary file in the library's incoming folder (never into memory: bundles are
 * gigabytes), the byte count is enforced while streaming, and whatever happens — a refused size,
 * a dropped connection, a full disk — no partial file is left behind. The library then takes the
 * file by renaming it and verifies it like any other import.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dispatch, type Handlers } from '../../core/api/dispatch.js';
import { incomingDir } from '../../core/engine/bundle-library.js';

export const UPLOAD_PATH = '/api/bundles';
/** Larger than any OS image we expect, small enough that a runaway client cannot fill a laptop. */
export const DEFAULT_UPLOAD_LIMIT = 8 * 1024 ** 3;

export interface UploadOptions {
  readonly handlers: Handlers;
  readonly maxBytes: number;
  readonly headers: Readonly<Record<string, string>>;
}

interface Problem {
  readonly code: string;
  readonly message: string;
  readonly fix?: string;
}

function json(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>, close = false): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    // After refusing a body we have not read, the connection cannot carry another request.
    ...(close ? { Connection: 'close' } : {}),
  });
  response.end(text);
}

function problem(response: ServerResponse, status: number, error: Problem, headers: Readonly<Record<string, string>>, close = false): void {
  json(response, status, { error }, headers, close);
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GiB`;
}

/** A client-chosen display name: the last path segment, no control characters, bounded. */
export function cleanFileName(raw: string | null): string {
  const last = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const clean = last
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 255);
  return clean.length > 0 ? clean : 'upload.flb';
}

class TooLarge extends Error {}

/** Counts bytes as they pass and fails the stream the moment the limit is crossed. */
function limiter(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new TooLarge());
      else done(null, chunk);
    },
  });
}

export async function handleUpload(request: IncomingMessage, response: ServerResponse, url: URL, options: UploadOptions): Promise<void> {
  const { headers, maxBytes } = options;
  if (request.method !== 'POST') {
    problem(response, 405, { code: 'method_not_allowed', message: 'Bundles are uploaded with POST.' }, { ...headers, Allow: 'POST' });
    return;
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // A non-simple content type also forces a CORS preflight on any cross-site attempt.
  if (type !== 'application/octet-stream') {
    problem(response, 415, { code: 'bad_content_type', message: 'Upload the bundle as application/octet-stream.' }, headers, true);
    return;
  }
  const declared = request.headers['content-length'];
  const length = declared === undefined ? null : Number(declared);
  if (length !== null && (!Number.isSafeInteger(length) || length < 0)) {
    problem(response, 400, { code: 'bad_length', message: 'The Content-Length of this upload is not a byte count.' }, headers, true);
    return;
  }
  if (length !== null && length > maxBytes) {
    problem(
      response,
      413,
      {
        code: 'upload_too_large',
        message: `This file is ${gib(length)}; uploads are limited to ${gib(maxBytes)}.`,
        fix: 'Import the bundle with `fieldline bundle verify` and the desktop app, or check that this is the right file.',
      },
      headers,
      true,
    );
    return;
  }

  const info = await dispatch(options.handlers, 'app.info', {});
  if (!info.ok) {
    problem(response, 500, info.error, headers, true);
    return;
  }
  const dir = incomingDir((info.value as { dataDir: string }).dataDir);
  await mkdir(dir, { recursive: true });
  if (length !== null) {
    const space = await statfs(dir).catch(() => null);
    if (space !== null && space.bavail * space.bsize < length * 2) {
      problem(
        response,
        507,
        {
          code: 'disk_full',
          message: `The data folder has ${gib(space.bavail * space.bsize)} free; this bundle needs ${gib(length)} to upload and as much again to keep.`,
          fix: 'Free some space on this computer (or remove old bundles from the library), then try again.',
        },
        headers,
        true,
      );
      return;
    }
  }

  const temp = join(dir, `${randomBytes(12).toString('hex')}.upload`);
  try {
    await pipeline(request, limiter(maxBytes), createWriteStream(temp, { flags: 'wx' }));
  } catch (err) {
    await rm(temp, { force: true });
    if (err instanceof TooLarge) {
      problem(
        response,
        413,
        { code: 'upload_too_large', message: `The upload went past the limit of ${gib(maxBytes)} and was stopped.` },
        headers,
        true,
      );
    } else {
      // Usually the client is gone and nobody reads this; a client that is still there learns why.
      problem(
        response,
        400,
        { code: 'upload_incomplete', message: 'The upload stopped before the whole file arrived.', fix: 'Try again.' },
        headers,
        true,
      );
    }
    return;
  }

  const outcome = await dispatch(options.handlers, 'bundles.import', {
    path: temp,
    fileName: cleanFileName(url.searchParams.get('name')),
  });
  // The library moved the file on success; on failure it is ours to remove.
  await rm(temp, { force: true });
  if (outcome.ok) json(response, 200, outcome.value, headers);
  else problem(response, 422, outcome.error, headers);
}
