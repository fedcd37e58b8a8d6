// Where guacamole-common-js opens its tunnel. Guacamole.WebSocketTunnel appends "?" + the connect
// data to its URL, so the ticket's query (guacamole-lite's token) moves into the connect data,
// followed by the display's size and DPI (guacamole-lite's unencrypted query settings).
import { toWebSocketUrl } from '../wsUrl.ts';

export interface DisplaySize {
  /** Device pixels. */
  width: number;
  height: number;
  dpi: number;
}

export interface TunnelTarget {
  /** ws:// or wss:// URL on this origin, without a query. */
  url: string;
  /** What Guacamole.Client.connect() gets: the ticket's query, then width, height and dpi. */
  data: string;
}

/** The gateway clamps sizes too (server/guac/settings.ts); these keep the request sensible. */
const LIMITS = { width: [320, 7680], height: [200, 4320], dpi: [48, 384] } as const;

function clamp(v: number, [min, max]: readonly [number, number]): number {
  return Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : min;
}

/** The remote display size for an element of `cssWidth` x `cssHeight` on a screen with `ratio` device pixels per CSS pixel. */
export function displaySize(cssWidth: number, cssHeight: number, ratio = 1): DisplaySize {
  const r = Number.isFinite(ratio) && ratio > 0 ? Math.min(ratio, 4) : 1;
  return { width: clamp(cssWidth * r, LIMITS.width), height: clamp(cssHeight * r, LIMITS.height), dpi: clamp(96 * r, LIMITS.dpi) };
}

export function tunnelTarget(ticketUrl: string, size: DisplaySize, base: Location | URL = location): TunnelTarget {
  const u = new URL(toWebSocketUrl(ticketUrl, base));
  const q = new URLSearchParams(u.search);
  // The ticket's own query wins: settings the browser may set never replace the token.
  for (const key of ['width', 'height', 'dpi'] as const) q.delete(key);
  q.set('width', String(size.width));
  q.set('height', String(size.height));
  q.set('dpi', String(size.dpi));
  u.search = '';
  u.hash = '';
  return { url: u.href, data: q.toString() };
}

/** The size to ask for after the element changed, or undefined when it is the one already asked for. */
export function resizeTo(current: DisplaySize | undefined, next: DisplaySize): DisplaySize | undefined {
  if (current && current.width === next.width && current.height === next.height) return undefined;
  return next;
}
