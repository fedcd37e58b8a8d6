// Follows one session's launch: the gateway's SSE stream (`event: progress`, `event: state`), and
// if that stream fails, polling GET /sessions/:id every 500 ms instead.
import { z } from 'zod/mini';
import { ProgressEvent } from '../../../contract/api/desktops.ts';
import { isApiError } from './client.ts';
import { decodeSession, getSession, sessionEventsUrl, type Session } from './desktops.ts';

/** `queued`, `placing`, `creating`, `starting`, `ready`, and newer ones (modules/launchSteps.ts); `at` in epoch ms. */
export type Progress = ProgressEvent;

export interface SessionWatchHandlers {
  onProgress(progress: Progress): void;
  onSession(session: Session): void;
  /** The session cannot be followed any more (404, forbidden). */
  onError(error: unknown): void;
  /** Reports which transport is in use, for the page's fine print. */
  onTransport?(transport: 'events' | 'polling'): void;
}

const POLL_MS = 500;

/** A progress event, or undefined for one without a usable step name (any short name is fine: newer steps still show). */
export function decodeProgress(x: unknown): Progress | undefined {
  const r = z.safeParse(ProgressEvent, x);
  return r.success ? r.data : undefined;
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
