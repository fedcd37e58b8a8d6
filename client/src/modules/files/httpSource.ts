// The FileSource of desktops Deskport runs, over the gateway's file API (contract/api/files.ts):
// uploads with XMLHttpRequest (fetch has no upload progress), downloads through a one-time ticket the
// browser downloads natively (nativeDownload.ts). The gateway enforces the policy again on every request.
import { api, ApiError, isApiErrorBody } from '../../api/client.ts';
import { nativeDownload } from './nativeDownload.ts';
import type { FilePolicy, FileSource, RemoteEntry, Stored } from './source.ts';

interface ListAnswer {
  path: string;
  entries: RemoteEntry[];
  truncated: boolean;
  startPath: string;
  policy: FilePolicy;
}

const isListAnswer = (x: unknown): x is ListAnswer =>
  typeof x === 'object' && x !== null && Array.isArray((x as ListAnswer).entries) && typeof (x as ListAnswer).policy === 'object';

const decodeList = (json: unknown): ListAnswer => {
  if (!isListAnswer(json)) throw new Error('not a file listing');
  return json;
};

/** "100 MB", "1.5 GB": sizes as the policy states them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export const tooLargeMessage = (maxBytes: number): string => `Too large: this pool allows files up to ${formatBytes(maxBytes)}.`;

/** Asks the gateway what the session allows; rejects with an ApiError (403 file_transfer_disabled when the policy says no). */
export async function openHttpFileSource(sessionId: string, signal?: AbortSignal): Promise<FileSource> {
  const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}/files`;
  const home = await api(`${base}?path=`, { decode: decodeList, ...(signal ? { signal } : {}) });
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

  return {
    policy: home.policy,
    startPath: home.startPath,

    async list(path, listSignal) {
      if (path === '' && !listSignal) return home.entries;
      const r = await api(`${base}?${q({ path })}`, { decode: decodeList, ...(listSignal ? { signal: listSignal } : {}) });
      return r.entries;
    },

    upload(path, file, onProgress, uploadSignal) {
      if (file.size > home.policy.maxBytes) return Promise.reject(new ApiError(413, 'too_large', tooLargeMessage(home.policy.maxBytes)));
      return new Promise<Stored>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('PUT', `${base}/content?${q({ path, name: file.name })}`);
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.upload.onprogress = (e) => onProgress(e.loaded);
        xhr.onload = () => {
          if (xhr.status === 201) return resolve(storedOf(xhr.responseText, file.name));
          reject(errorOf(xhr.status, xhr.responseText));
        };
        xhr.onerror = () =>
          reject(new ApiError(0, 'network_error', 'The upload was interrupted: the connection to Deskport failed. Try again.'));
        xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
        if (uploadSignal.aborted) return xhr.onabort(new ProgressEvent('abort'));
        uploadSignal.addEventListener('abort', () => xhr.abort(), { once: true });
        xhr.send(file);
      });
    },

    download(path, name, onProgress, downloadSignal) {
      return nativeDownload(base, path ? `${path}/${name}` : name, name, onProgress, downloadSignal);
    },
  };
}

function errorOf(status: number, text: string): ApiError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (isApiErrorBody(json)) return new ApiError(status, json.error.code, json.error.message, json.error.details);
  return new ApiError(status, `http_${status}`, `The transfer failed (${status}). Try again.`);
}

/** The name the desktop stored an upload under (the gateway's 201 answer), else the one asked for. */
function storedOf(text: string, asked: string): Stored {
  try {
    const j = JSON.parse(text) as { name?: unknown };
    if (typeof j.name === 'string' && j.name) return { name: j.name };
  } catch {
    // an answer without a body: keep the name asked for
  }
  return { name: asked };
}
