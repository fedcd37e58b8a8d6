// Downloads of desktops Deskport runs, straight to disk: the page asks the gateway for a one-time
// download ticket (the gateway checks the policy and the file first, so refusals are shown here),
// hands its URL to the browser's own download manager, and follows the progress through the ticket's
// status, since a native download tells the page nothing. Cancel cuts it on the gateway.
import { api, ApiError } from '../../api/client.ts';

export interface TicketAnswer {
  url: string;
  statusUrl: string;
  name: string;
  size: number;
}

export interface StatusAnswer {
  state: 'waiting' | 'running' | 'done' | 'failed' | 'cancelled' | 'expired';
  size: number;
  sent: number;
  sha256?: string;
  error?: string;
}

const isTicket = (x: unknown): x is TicketAnswer =>
  typeof x === 'object' && x !== null && typeof (x as TicketAnswer).url === 'string' && typeof (x as TicketAnswer).statusUrl === 'string';
const isStatus = (x: unknown): x is StatusAnswer =>
  typeof x === 'object' && x !== null && typeof (x as StatusAnswer).state === 'string' && typeof (x as StatusAnswer).sent === 'number';

function decodeWith<T>(guard: (x: unknown) => x is T, what: string) {
  return (json: unknown): T => {
    if (!guard(json)) throw new Error(`not a ${what}`);
    return json;
  };
}

/** How often the page asks how far the browser's download got. */
export const POLL_MS = 500;

/** Starts the browser's own download of `url` (same origin: the session cookie goes along). */
function handToBrowser(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Downloads `filePath` of the session's home natively; resolves when the gateway has handed over
 * every byte (and they matched the file's checksum), rejects with what went wrong.
 */
export async function nativeDownload(
  filesBase: string,
  filePath: string,
  name: string,
  onProgress: (loaded: number, total: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const t = await api(`${filesBase}/downloads`, {
    method: 'POST',
    body: { path: filePath },
    decode: decodeWith(isTicket, 'download ticket'),
    signal,
  });
  const cancel = () => void api(t.url, { method: 'DELETE', decode: decodeWith(isStatus, 'download status') }).catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    handToBrowser(t.url, name);
    onProgress(0, Math.max(t.size, 0));
    for (;;) {
      await sleep(POLL_MS, signal);
      signal.throwIfAborted();
      const s = await api(t.statusUrl, { decode: decodeWith(isStatus, 'download status'), signal });
      onProgress(s.sent, Math.max(s.size, 0));
      if (s.state === 'done') return;
      if (s.state === 'cancelled') throw new DOMException('The download was cancelled.', 'AbortError');
      if (s.state === 'failed' || s.state === 'expired')
        throw new ApiError(0, `download_${s.state}`, s.error ?? 'The download failed; try again.');
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
