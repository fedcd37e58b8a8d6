// The /ws/rdp watchdog for a browser that stopped answering: guacamole-common-js pings the tunnel
// every 500 ms and answers every `sync`, so a display with no message for `timeoutMs` belongs to a
// page that is gone, frozen or cut off (a half-open TCP connection never closes by itself). It is
// then closed and its guacd connection freed, instead of holding the desktop for nobody.
export interface SilenceWatch {
  /** The browser sent something. */
  heard(): void;
  /** No more watching (the display closed). Safe to call twice. */
  stop(): void;
}

/** Calls `onSilent` once when `heard()` was not called for `timeoutMs`. One timer, re-armed only at its deadline. */
export function watchSilence(o: { timeoutMs: number; onSilent: () => void }): SilenceWatch {
  const now = () => Date.now();
  let last = now();
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    timer = setTimeout(check, ms);
    timer.unref();
  };
  function check(): void {
    const quiet = now() - last;
    if (quiet >= o.timeoutMs) return o.onSilent();
    arm(o.timeoutMs - quiet);
  }
  arm(o.timeoutMs);
  return {
    heard: () => void (last = now()),
    stop: () => clearTimeout(timer),
  };
}
