// Follows a session's shadow requests for its owner: the session events stream's `event: shadow`
// (`{shadow}` on every change), and the current list on open and after each reconnect (a request
// may have come while the stream was down). If the stream gives up, polls the list instead.
import { listSessionShadows, decodeShadow, type Shadow } from './shadows.ts';
import { sessionEventsUrl } from './desktops.ts';

export interface ShadowWatchHandlers {
  /** One shadow changed (created, approved, denied, ended). */
  onShadow(shadow: Shadow): void;
  /** The full list of pending/approved shadows, replacing what was known. */
  onList(shadows: Shadow[]): void;
}

const POLL_MS = 3000;

export function watchShadows(sessionId: string, handlers: ShadowWatchHandlers): () => void {
  let stopped = false;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let source: EventSource | undefined;

  const reload = async (): Promise<void> => {
    try {
      const shadows = await listSessionShadows(sessionId);
      if (!stopped) handlers.onList(shadows);
    } catch (e) {
      console.warn('Could not load shadow requests', e);
    }
  };

  const poll = async (): Promise<void> => {
    await reload();
    if (!stopped) pollTimer = setTimeout(() => void poll(), POLL_MS);
  };

  if (typeof EventSource === 'function') {
    source = new EventSource(sessionEventsUrl(sessionId));
    source.addEventListener('open', () => void reload());
    source.addEventListener('shadow', (ev) => {
      try {
        const shadow = decodeShadow(JSON.parse((ev as MessageEvent<string>).data) as unknown);
        if (!stopped) handlers.onShadow(shadow);
      } catch (e) {
        console.warn('Ignoring a shadow event this page does not understand', e);
      }
    });
    source.addEventListener('error', () => {
      // EventSource retries by itself unless the gateway refused the stream (or ended it for good).
      if (source?.readyState !== EventSource.CLOSED || stopped || pollTimer !== undefined) return;
      source = undefined;
      void poll();
    });
  } else {
    void poll();
  }

  return () => {
    stopped = true;
    source?.close();
    clearTimeout(pollTimer);
  };
}
