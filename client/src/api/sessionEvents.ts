// Follows one session's launch: the gateway's SSE stream (`event: progress`, `event: state`), and
// if that stream fails, polling GET /sessions/:id every 500 ms instead.
import { isApiError } from './client.ts';
import { getSession, sessionEventsUrl } from './desktops.ts';
import { obj, optStr, optTime } from './decode.ts';
import { decodeSession, type Session } from './types.ts';

export interface Progress {
  /** `queued`, `placing`, `creating`, `starting`, `ready`, and newer ones (modules/launchSteps.ts). */
  step: string;
  message: string;
  at: number;
}

export interface SessionWatchHandlers {
  onProgress(progress: Progress): void;
  onSession(session: Session): void;
  /** The session cannot be followed any more (404, forbidden). */
  onError(error: unknown): void;
  /** Reports which transport is in use, for the page's fine print. */
  onTransport?(transport: 'events' | 'polling'): void;
}

const POLL_MS = 500;
const STEP_NAME = /^[a-z][a-z0-9_.-]{0,47}$/i;

export function decodeProgress(x: unknown): Progress | undefined {
  const o = obj(x, 'progress');
  const step = optStr(o, 'step');
  // Any short step name: steps added to the gateway later still show, with their message.
  if (!step || !STEP_NAME.test(step)) return undefined;
  return { step, message: optStr(o, 'message') ?? '', at: optTime(o, 'at') ?? Date.now() };
}

function parse<T>(data: string, decode: (x: unknown) => T): T | undefined {
  try {
    return decode(JSON.parse(data) as unknown);
  } catch (e) {
    console.warn('Ignoring a session event this page does not understand', data, e);
    return undefined;
  }
}

/** Starts following the session; the returned function stops it (safe to call twice). */
export function watchSession(sessionId: string, handlers: SessionWatchHandlers): () => void {
  let stopped = false;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let source: EventSource | undefined;

  const poll = async (): Promise<void> => {
    if (stopped) return;
    try {
      handlers.onSession(await getSession(sessionId));
    } catch (e) {
      // A network blip keeps polling; an answer that the session is gone or not ours stops it.
      if (isApiError(e) && e.status >= 400 && e.status < 500 && e.status !== 429) {
        handlers.onError(e);
        return;
      }
    }
    if (!stopped) pollTimer = setTimeout(() => void poll(), POLL_MS);
  };

  const fallBackToPolling = (): void => {
    source?.close();
    source = undefined;
    if (stopped || pollTimer !== undefined) return;
    handlers.onTransport?.('polling');
    void poll();
  };

  if (typeof EventSource === 'function') {
    source = new EventSource(sessionEventsUrl(sessionId));
    handlers.onTransport?.('events');
    source.addEventListener('progress', (ev) => {
      const progress = parse((ev as MessageEvent<string>).data, decodeProgress);
      if (progress && !stopped) handlers.onProgress(progress);
    });
    source.addEventListener('state', (ev) => {
      const session = parse((ev as MessageEvent<string>).data, decodeSession);
      if (session && !stopped) handlers.onSession(session);
    });
    source.addEventListener('error', fallBackToPolling);
  } else {
    fallBackToPolling();
  }

  return () => {
    stopped = true;
    source?.close();
    clearTimeout(pollTimer);
  };
}
