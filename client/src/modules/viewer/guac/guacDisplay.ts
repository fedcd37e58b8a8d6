// RDP and SSH displays in the browser with guacamole-common-js, behind the same RemoteDisplay shape
// as noVNC (../remoteDisplay.ts). Loaded lazily as its own chunk (connection.ts), like noVNC.
// One Guacamole.Client over a Guacamole.WebSocketTunnel per attempt; input handlers exist only when
// the display is not view-only, and the keyboard listens on the display's frame, so keys reach the
// desktop only while the frame has focus.
import * as GuacamoleModule from 'guacamole-common-js';
import type { DisplayOptions, DisplayHandlers, OpenDisplay, RemoteDisplay } from '../remoteDisplay.ts';
import { createGuacFileSource, watchRefusals } from '../../files/guacSource.ts';
import { guacSound } from '../../audio/guacSound.ts';
import { explainGuacEnd } from './guacStatus.ts';
import { displaySize, resizeTo, tunnelTarget, type DisplaySize } from './guacUrl.ts';

// The package's ES build has only a default export; its types describe the namespace.
const Guacamole = (GuacamoleModule as unknown as { default: typeof GuacamoleModule }).default;

/** Window resizes are settled this long before the desktop is asked to change size (an RDP display update). */
const RESIZE_DEBOUNCE_MS = 350;
/** Clipboard text from the desktop is kept up to this many characters. */
const MAX_CLIPBOARD_CHARS = 1 << 20;
const KEYSYM = { ctrl: 0xffe3, alt: 0xffe9, del: 0xffff } as const;
/** The gateway's request for what this display shows (server/guac/shadow-snapshot.ts), and the size of the answer's parts. */
const SNAPSHOT_OPCODE = 'deskport-snapshot';
const SNAPSHOT_PART_CHARS = 8000;
/**
 * The picture is taken once the desktop has drawn nothing for SNAPSHOT_QUIET_MS and no size asked of it
 * is pending, or after SNAPSHOT_MAX_WAIT_MS at most (the gateway waits 5 s): a picture taken in the
 * middle of a redraw (after a display-update resize) would cover the join's newer pixels with old ones.
 */
const SNAPSHOT_QUIET_MS = 300;
const SNAPSHOT_MAX_WAIT_MS = 3_000;
/** Instructions that do not draw. */
const NOT_DRAWING = new Set(['sync', 'nop', 'ack', 'blob', 'end', 'audio', 'clipboard', 'argv', 'name', 'mouse']);

function sizeOf(el: HTMLElement): DisplaySize {
  return displaySize(el.clientWidth, el.clientHeight, window.devicePixelRatio);
}

/**
 * Creates the tunnel and keeps the WebSocket it opens: guacamole-common-js does not pass the close
 * code on (it parses the close reason as a Guacamole status), and the gateway's codes decide between
 * "reconnect" and "stop" (contract/display.ts). The constructor swap lasts only for the synchronous
 * connect() call, which is where WebSocketTunnel calls `new WebSocket`.
 */
function connectCapturingSocket(client: GuacamoleModule.Client, data: string, onClose: (code: number) => void): void {
  const Native = window.WebSocket;
  class Capturing extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      // Registered before the tunnel's own onclose handler, so the code is known when the tunnel reports CLOSED.
      this.addEventListener('close', (ev) => onClose(ev.code));
    }
  }
  window.WebSocket = Capturing;
  try {
    client.connect(data);
  } finally {
    window.WebSocket = Native;
  }
}

export const openGuacDisplay: OpenDisplay = (o: DisplayOptions, h: DisplayHandlers): RemoteDisplay => {
  // The frame is new for every attempt: guacamole-common-js offers no way to remove its listeners,
  // so they go away with the element.
  const frame = document.createElement('div');
  frame.className = 'guac-frame';
  frame.dataset.testid = 'guac-frame';
  o.target.replaceChildren(frame);

  let asked = sizeOf(o.target);
  const { url, data } = tunnelTarget(o.url, asked);
  const tunnel = new Guacamole.WebSocketTunnel(url);
  const client = new Guacamole.Client(tunnel);
  const display = client.getDisplay();
  const screen = display.getElement();
  screen.classList.add('guac-display');
  frame.appendChild(screen);

  let closeCode: number | undefined;
  let status: { code: number; message: string } | undefined;
  let connected = false;
  let ended = false;
  let userClosed = false;
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  const cleanups: (() => void)[] = [];

  const fit = (): void => {
    const w = display.getWidth();
    const hgt = display.getHeight();
    if (!w || !hgt || !frame.clientWidth || !frame.clientHeight) return;
    display.scale(Math.min(frame.clientWidth / w, frame.clientHeight / hgt));
  };
  display.onresize = fit;

  let askedAt = -Infinity;
  // A size asked of the desktop that it has not drawn yet (a display-update takes a moment).
  const resizing = (): boolean =>
    performance.now() - askedAt < SNAPSHOT_MAX_WAIT_MS &&
    !!asked &&
    (display.getWidth() !== asked.width || display.getHeight() !== asked.height);
  const observer = new ResizeObserver(() => {
    fit();
    if (!o.resizeSession) return;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const next = resizeTo(asked, sizeOf(o.target));
      if (!next || !connected) return;
      asked = next;
      askedAt = performance.now();
      client.sendSize(next.width, next.height);
    }, RESIZE_DEBOUNCE_MS);
  });
  observer.observe(o.target);

  if (!o.viewOnly) {
    attachInput(client, display, frame, screen, cleanups);
    answerSnapshots(tunnel, display, resizing);
  }

  // An existing machine's drive or SFTP: offered by guacd once the connection is up (control displays only).
  const refusals = watchRefusals(tunnel);
  client.onfilesystem = (object) => {
    if (!o.viewOnly && !ended) h.files?.((policy) => createGuacFileSource({ object, policy, refusals }));
  };

  client.onclipboard = (stream, mimetype) => {
    if (!mimetype.startsWith('text/')) return;
    const reader = new Guacamole.StringReader(stream);
    let text = '';
    reader.ontext = (t) => {
      if (text.length < MAX_CLIPBOARD_CHARS) text += t;
    };
    reader.onend = () => {
      if (!ended) h.clipboard(text.slice(0, MAX_CLIPBOARD_CHARS));
    };
  };

  // guacd's sound (existing machines, when the policy allows): played, or dropped while muted, by the page's Sound button.
  client.onaudio = (stream, mimetype) => guacSound.stream(stream, mimetype) as unknown as GuacamoleModule.AudioPlayer;

  // guacd's `error` instruction: the client disconnects right after, so the status is kept for the verdict.
  client.onerror = (s) => {
    status ??= { code: s.code, message: s.message ?? '' };
  };
  client.onstatechange = (state) => {
    if (state !== Guacamole.Client.State.CONNECTED || connected || ended) return;
    connected = true;
    fit();
    if (!o.viewOnly) frame.focus({ preventScroll: true });
    h.connected();
  };

  const end = (): void => {
    if (ended) return;
    ended = true;
    observer.disconnect();
    clearTimeout(resizeTimer);
    for (const c of cleanups) c();
    client.disconnect();
    h.files?.(null);
    const verdict = userClosed
      ? undefined
      : explainGuacEnd({ ...(closeCode !== undefined ? { closeCode } : {}), ...(status ? { status } : {}) });
    const drop = {
      ...(closeCode !== undefined ? { closeCode } : {}),
      clean: userClosed || closeCode === 1000,
      ...(verdict?.kind === 'fail' ? { fail: verdict.note } : verdict?.note ? { retryNote: verdict.note } : {}),
    };
    // Always after the call that caused it, as noVNC's disconnect event is.
    queueMicrotask(() => h.dropped(drop));
  };
  tunnel.onstatechange = (state) => {
    if (state === Guacamole.Tunnel.State.CLOSED) end();
  };

  connectCapturingSocket(client, data, (code) => {
    closeCode = code;
  });

  return {
    disconnect() {
      userClosed = true;
      client.disconnect();
      end();
    },
    sendCtrlAltDel() {
      if (!connected || o.viewOnly) return;
      for (const k of [KEYSYM.ctrl, KEYSYM.alt, KEYSYM.del]) client.sendKeyEvent(1, k);
      for (const k of [KEYSYM.del, KEYSYM.alt, KEYSYM.ctrl]) client.sendKeyEvent(0, k);
    },
    paste(text) {
      if (!connected || o.viewOnly) return;
      const writer = new Guacamole.StringWriter(client.createClipboardStream('text/plain'));
      writer.sendText(text);
      writer.sendEnd();
    },
    focus() {
      if (!o.viewOnly) frame.focus({ preventScroll: true });
    },
  };
};

/**
 * The owner's display answers the gateway's request for a PNG of what it shows: guacd 1.6.0 gives a
 * helpdesk join a black copy of an RDP display after a display-update resize, and the gateway draws
 * this picture over it (server/guac/shadow-snapshot.ts). Taken once the desktop is quiet (above) and
 * the operations received so far are drawn.
 */
function answerSnapshots(tunnel: GuacamoleModule.Tunnel, display: GuacamoleModule.Display, resizing: () => boolean): void {
  const inner = tunnel.oninstruction;
  let drewAt = performance.now();
  tunnel.oninstruction = (opcode, args) => {
    if (opcode !== SNAPSHOT_OPCODE) {
      if (!NOT_DRAWING.has(opcode)) drewAt = performance.now();
      return inner?.call(tunnel, opcode, args);
    }
    const id = String(args[0] ?? '');
    const asked = performance.now();
    const take = (): void => {
      const now = performance.now();
      if (now - asked < SNAPSHOT_MAX_WAIT_MS && (now - drewAt < SNAPSHOT_QUIET_MS || resizing())) return void setTimeout(take, 50);
      display.flush(() => {
        const png =
          display.getWidth() && display.getHeight()
            ? display
                .flatten()
                .toDataURL('image/png')
                .replace(/^data:image\/png;base64,/, '')
            : '';
        for (let i = 0; i < png.length; i += SNAPSHOT_PART_CHARS)
          tunnel.sendMessage(SNAPSHOT_OPCODE, id, png.slice(i, i + SNAPSHOT_PART_CHARS));
        tunnel.sendMessage(SNAPSHOT_OPCODE, id, '');
      });
    };
    take();
  };
}

/** Keyboard on the frame (only while it has focus), mouse and touch on the display, the remote cursor as the local one. */
function attachInput(
  client: GuacamoleModule.Client,
  display: GuacamoleModule.Display,
  frame: HTMLElement,
  screen: HTMLElement,
  cleanups: (() => void)[],
): void {
  frame.tabIndex = 0;
  const keyboard = new Guacamole.Keyboard(frame);
  keyboard.onkeydown = (keysym) => {
    client.sendKeyEvent(1, keysym);
    return false;
  };
  keyboard.onkeyup = (keysym) => client.sendKeyEvent(0, keysym);
  // Keys held while focus leaves would stay down on the desktop.
  const release = (): void => keyboard.reset();
  frame.addEventListener('blur', release);
  // Clicking the display gives it the keyboard (Guacamole.Mouse prevents the default focus change).
  const grab = (): void => frame.focus({ preventScroll: true });
  frame.addEventListener('pointerdown', grab, true);
  cleanups.push(() => {
    keyboard.onkeydown = null;
    keyboard.onkeyup = null;
    frame.removeEventListener('blur', release);
    frame.removeEventListener('pointerdown', grab, true);
  });

  const send = (e: GuacamoleModule.Event): void => client.sendMouseState((e as GuacamoleModule.Mouse.Event).state, true);
  const mouse = new Guacamole.Mouse(screen);
  mouse.onEach(['mousedown', 'mouseup', 'mousemove'], send);
  const touch = new Guacamole.Mouse.Touchscreen(screen);
  touch.onEach(['mousedown', 'mouseup', 'mousemove'], send);
  display.showCursor(false);
  display.oncursor = (canvas, x, y) => {
    // Without CSS cursor images, guacamole draws the cursor into the display instead.
    if (!mouse.setCursor(canvas, x, y)) display.showCursor(true);
  };
  cleanups.push(() => {
    mouse.offEach(['mousedown', 'mouseup', 'mousemove'], send);
    touch.offEach(['mousedown', 'mouseup', 'mousemove'], send);
  });
}
