/**
 * Sends a chosen file to `fieldline serve`'s upload endpoint, reporting bytes as they leave.
 *
 * XMLHttpRequest rather than fetch: only it reports upload progress, and a multi-gigabyte image
 * must never look frozen. The access token travels in the page's HttpOnly cookie.
 */
import type { BundleSummary } from '../../core/api/schemas.js';
import { ClientError } from '../services/ui-error.js';

export const UPLOAD_URL = '/api/bundles';

interface ErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly fix?: unknown };
}

function errorFrom(status: number, text: string): ClientError {
  try {
    const body = JSON.parse(text) as ErrorBody;
    const e = body.error;
    if (e !== undefined && typeof e.code === 'string' && typeof e.message === 'string')
      return new ClientError(e.code, e.message, typeof e.fix === 'string' ? e.fix : undefined);
  } catch {
    // Not JSON: a guard's plain-text answer (token, host) — shown as it is.
  }
  const message = text.trim().length > 0 ? text.trim() : `The upload was refused (HTTP ${status}).`;
  return new ClientError(
    status === 401 ? 'unauthorised' : `http_${status}`,
    message,
    status === 401 ? 'Open the link `fieldline serve` printed again.' : undefined,
  );
}

export function uploadBundle(file: File, onProgress: (sent: number) => void): Promise<BundleSummary> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${UPLOAD_URL}?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status === 200) {
        try {
          resolve(JSON.parse(xhr.responseText) as BundleSummary);
        } catch {
          reject(new ClientError('bad_reply', 'The server accepted the upload but its answer could not be read.', 'Refresh the list.'));
        }
      } else reject(errorFrom(xhr.status, xhr.responseText));
    };
    xhr.onerror = () =>
      reject(
        new ClientError(
          'upload_failed',
          `The connection dropped while sending ${file.name}.`,
          'Check that `fieldline serve` is still running, then try again.',
        ),
      );
    xhr.send(file);
  });
}
