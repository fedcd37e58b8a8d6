// Thumbnails for the helpdesk: the gateway opens its own RFB connection to the desktop (through the
// agent's dial-back stream, authenticated with the desktop secret, shared, and sending no input),
// asks for one full raw frame in a fixed 32-bit pixel format, and returns a small PNG. Results are
// cached for a moment per session and concurrent requests share one grab. Sessions shown through
// guacd (RDP, SSH) have no RFB server to ask: their thumbnail joins the owner's live guacd connection
// read-only instead (guac-thumbnail.ts), with the same cache and sharing.
import { notFound, unavailable } from '../errors.ts';
import type { Desktop, Store } from '../store/types.ts';
import type { GuacConnections } from './guac-connections.ts';
import { grabGuacFrame, type GuacdEndpoint } from './guac-thumbnail.ts';
import { DesktopHandshake } from '../rfb/handshake.ts';
import { ByteQueue } from '../rfb/byte-queue.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { downscale, encodePng } from './png.ts';

const CACHE_MS = 2_000;
const GRAB_TIMEOUT_MS = 8_000;
const MAX_FRAME_BYTES = 8192 * 8192 * 4;
const MAX_CACHED = 2_000;
export const THUMBNAIL_WIDTH = 320;

/** SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, shifts R16 G8 B0 (BGRX in memory). */
const SET_PIXEL_FORMAT = Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);
const SET_ENCODINGS_RAW = Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]);

export async function grabFrame(ws: DesktopLink, secret: string, maxWidth = THUMBNAIL_WIDTH): Promise<Buffer> {
  const q = new ByteQueue();
  const hs = new DesktopHandshake(secret);
  let width = 0;
  let height = 0;
  let fb: Buffer | null = null;
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('the desktop did not send a frame in time')), GRAB_TIMEOUT_MS);
    const finish = (err: Error | null, png?: Buffer) => {
      clearTimeout(timer);
      ws.close('thumbnail taken');
      if (err) reject(err);
      else resolve(png!);
    };
    let handshaking = true;
    ws.onProtocolError((why) => finish(new Error(why)));
    ws.onData((chunk) => {
      try {
        if (handshaking) {
          const step = hs.feed(chunk);
          for (const b of step.send) ws.send(b);
          if (step.status === 'failed') return finish(new Error(step.error.message));
          if (step.status === 'pending') return;
          handshaking = false;
          width = step.result.width;
          height = step.result.height;
          if (width * height * 4 > MAX_FRAME_BYTES || width === 0 || height === 0)
            return finish(new Error('the desktop reported an impossible size'));
          fb = Buffer.alloc(width * height * 4);
          ws.send(Buffer.concat([SET_PIXEL_FORMAT, SET_ENCODINGS_RAW, fullUpdateRequest(width, height)]));
          q.push(step.result.leftover);
        } else {
          q.push(chunk);
        }
        if (readUpdate(q, fb!, width)) {
          const small = downscale(fb!, width, height, maxWidth);
          finish(null, encodePng(small.width, small.height, small.rgb));
        }
      } catch (err) {
        finish(err as Error);
      }
    });
    ws.onClose(() => finish(new Error('the desktop stream closed')));
    ws.onError((err) => finish(err));
  });
}

function fullUpdateRequest(w: number, h: number): Buffer {
  const b = Buffer.from([3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(w, 6);
  b.writeUInt16BE(h, 8);
  return b;
}

/** Parses server messages from the queue; true once one whole FramebufferUpdate was applied. */
function readUpdate(q: ByteQueue, fb: Buffer, width: number): boolean {
  // Server messages that may precede the update (bell, cut text, colour map) are skipped whole.
  for (;;) {
    const head = q.peek(1);
    if (!head) return false;
    const type = head[0];
    if (type === 2) {
      q.take(1);
      continue;
    }
    if (type === 3) {
      const h = q.peek(8);
      if (!h) return false;
      const len = h.readUInt32BE(4);
      if (len > 16 * 1024 * 1024) throw new Error('oversized cut text from the desktop');
      if (!q.take(8 + len)) return false;
      continue;
    }
    if (type === 1) {
      const h = q.peek(6);
      if (!h) return false;
      if (!q.take(6 + h.readUInt16BE(4) * 6)) return false;
      continue;
    }
    if (type !== 0) throw new Error(`unexpected server message ${type}`);
    const h = q.peek(4);
    if (!h) return false;
    const rects = h.readUInt16BE(2);
    // Measure the whole update before consuming it, so a partial one waits for more bytes.
    let need = 4;
    for (let i = 0; i < rects; i++) {
      const r = q.peek(need + 12);
      if (!r) return false;
      const w = r.readUInt16BE(need + 4);
      const hh = r.readUInt16BE(need + 6);
      const enc = r.readInt32BE(need + 8);
      if (enc !== 0) throw new Error(`unexpected encoding ${enc}`);
      need += 12 + w * hh * 4;
      if (need > MAX_FRAME_BYTES + rects * 12 + 4) throw new Error('update larger than the screen');
    }
    const all = q.take(need);
    if (!all) return false;
    let off = 4;
    for (let i = 0; i < rects; i++) {
      const x = all.readUInt16BE(off);
      const y = all.readUInt16BE(off + 2);
      const w = all.readUInt16BE(off + 4);
      const hh = all.readUInt16BE(off + 6);
      off += 12;
      for (let row = 0; row < hh; row++) all.copy(fb, ((y + row) * width + x) * 4, off + row * w * 4, off + (row + 1) * w * 4);
      off += w * hh * 4;
    }
    return true;
  }
}

export interface GuacThumbnailDeps {
  /** Where guacd listens now, or null while it is absent or down. */
  endpoint: () => GuacdEndpoint | null;
  /** The owners' live guacd connections, filled by /ws/rdp. */
  connections: GuacConnections;
  grab?: typeof grabGuacFrame;
}

/** Per-session cache and in-flight sharing around grabFrame (VNC) and grabGuacFrame (guacd). */
export function createThumbnails(deps: { openStream: (d: Desktop) => Promise<DesktopLink>; guac?: GuacThumbnailDeps; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const viaGuacd = async (sessionId: string): Promise<Buffer> => {
    const g = deps.guac;
    const endpoint = g?.endpoint();
    if (!g || !endpoint) throw unavailable('guacd_unavailable', 'RDP and SSH thumbnails need guacd, which is not running right now.');
    const connectionId = g.connections.current(sessionId);
    // Nothing to join: a second RDP connection would take the desktop away from its owner.
    if (!connectionId)
      throw unavailable('display_not_connected', 'The person’s display is not open right now, so there is no picture of it.');
    return (g.grab ?? grabGuacFrame)(endpoint, connectionId, THUMBNAIL_WIDTH);
  };
  const cache = new Map<string, { at: number; png: Buffer }>();
  const inFlight = new Map<string, Promise<Buffer>>();
  return {
    /** `desktop` for a VNC display; 'guacd' for a session shown through guacd (an rdp pool, a machine). */
    async get(sessionId: string, desktop: Desktop | 'guacd'): Promise<Buffer> {
      const hit = cache.get(sessionId);
      if (hit && now() - hit.at < CACHE_MS) return hit.png;
      let p = inFlight.get(sessionId);
      if (!p) {
        p = desktop === 'guacd' ? viaGuacd(sessionId) : deps.openStream(desktop).then((ws) => grabFrame(ws, desktop.secret));
        inFlight.set(sessionId, p);
        void p
          .then(
            (png) => {
              if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
              cache.set(sessionId, { at: now(), png });
            },
            () => undefined,
          )
          .finally(() => inFlight.delete(sessionId));
      }
      return p;
    },
    forget(sessionId: string): void {
      cache.delete(sessionId);
    },
  };
}

/** A live session's thumbnail: existing machines and desktops of rdp pools through guacd (joining the owner's display), the rest over RFB. */
export async function sessionThumbnail(
  store: Pick<Store, 'getSession' | 'getDesktop' | 'getPool'>,
  thumbnails: Thumbnails,
  sessionId: string,
): Promise<Buffer> {
  const s = await store.getSession(sessionId);
  if (s?.state === 'ready' && s.machineId) return thumbnails.get(s.id, 'guacd');
  const d = s?.state === 'ready' && s.desktopId ? await store.getDesktop(s.desktopId) : null;
  if (!s || !d || d.state !== 'running') throw notFound('live session');
  return thumbnails.get(s.id, s.poolId && (await store.getPool(s.poolId))?.protocol === 'rdp' ? 'guacd' : d);
}

export type Thumbnails = ReturnType<typeof createThumbnails>;
