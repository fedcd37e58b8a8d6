// The default layer (0) of a Guacamole display, composited from guacd's drawing instructions into an
// RGBA framebuffer, for thumbnails of RDP/SSH sessions (guac-thumbnail.ts). Only what guacd uses to
// paint a joined display's state is drawn: size, img/blob/end (PNG), rect + cfill, copy within
// layer 0. Other layers, buffers and instructions are ignored. Malformed or oversized input throws
// GuacFrameError; every number read is checked and every draw is clipped to the layer.
import { decodePng } from './png-decode.ts';

export class GuacFrameError extends Error {}

export interface FrameLimits {
  /** width * height of the layer and of one image at most. */
  maxPixels: number;
  /** Base64 characters buffered for one image stream at most. */
  maxImageChars: number;
  /** Image streams open at once at most. */
  maxStreams: number;
}

/** Guacamole composite modes (guacamole/protocol-types.h): SRC replaces; OVER blends by alpha. */
const COMP_SRC = 0xc;

interface ImgStream {
  mode: number;
  x: number;
  y: number;
  /** Base64 chunks; null for a stream drawn elsewhere (another layer, not PNG): its blobs are dropped. */
  chunks: string[] | null;
  chars: number;
}

export interface GuacFramebuffer {
  /** Applies one instruction; true when it drew pixels on layer 0. */
  apply(opcode: string, args: string[]): boolean;
  width(): number;
  height(): number;
  /** Pixels drawn so far over black, as 32-bit BGRX (what png.ts downscale takes). */
  toBgrx(): Buffer;
  /** Image streams for layer 0 that were not PNG (guacd may choose JPEG for busy regions) and were skipped. */
  skippedImages(): number;
}

function int(s: string | undefined, what: string, min = -0x7fffffff, max = 0x7fffffff): number {
  if (s === undefined || !/^-?\d{1,10}$/.test(s)) throw new GuacFrameError(`guacd sent a malformed ${what}`);
  const n = Number(s);
  if (n < min || n > max) throw new GuacFrameError(`guacd sent an out-of-range ${what}`);
  return n;
}

export function createGuacFramebuffer(limits: FrameLimits): GuacFramebuffer {
  let width = 0;
  let height = 0;
  let rgba = Buffer.alloc(0);
  let path: [number, number, number, number][] = [];
  let skipped = 0;
  const streams = new Map<string, ImgStream>();

  function resize(w: number, h: number): void {
    if (w * h > limits.maxPixels) throw new GuacFrameError(`guacd announced a display too large for a thumbnail (${w}x${h})`);
    const next = Buffer.alloc(w * h * 4);
    const cw = Math.min(w, width);
    for (let y = 0; y < Math.min(h, height); y++) rgba.copy(next, y * w * 4, y * width * 4, (y * width + cw) * 4);
    rgba = next;
    width = w;
    height = h;
  }

  /** Writes one source pixel (non-premultiplied RGBA) onto layer 0 at byte offset o. */
  function put(o: number, r: number, g: number, b: number, a: number, mode: number): void {
    if (mode === COMP_SRC || a === 255) {
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = a;
      return;
    }
    if (a === 0) return;
    // Source over destination (the other Porter-Duff modes guacd never uses for screen content).
    const da = rgba[o + 3]!;
    const oa = a + (da * (255 - a)) / 255;
    const mix = (s: number, d: number) => Math.round((s * a + (d * da * (255 - a)) / 255) / oa);
    rgba[o] = mix(r, rgba[o]!);
    rgba[o + 1] = mix(g, rgba[o + 1]!);
    rgba[o + 2] = mix(b, rgba[o + 2]!);
    rgba[o + 3] = Math.round(oa);
  }

  /** Clips a rectangle to layer 0; null when nothing of it is inside. */
  function clip(x: number, y: number, w: number, h: number): [number, number, number, number] | null {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(width, x + w);
    const y1 = Math.min(height, y + h);
    return x1 > x0 && y1 > y0 ? [x0, y0, x1, y1] : null;
  }

  function drawImage(s: ImgStream): boolean {
    const data = Buffer.from(s.chunks!.join(''), 'base64');
    let img;
    try {
      img = decodePng(data, { maxPixels: limits.maxPixels, maxBytes: data.length });
    } catch (err) {
      throw new GuacFrameError(`guacd sent an image that cannot be decoded: ${(err as Error).message}`);
    }
    const c = clip(s.x, s.y, img.width, img.height);
    if (!c) return false;
    for (let y = c[1]; y < c[3]; y++) {
      for (let x = c[0]; x < c[2]; x++) {
        const i = ((y - s.y) * img.width + (x - s.x)) * 4;
        put((y * width + x) * 4, img.rgba[i]!, img.rgba[i + 1]!, img.rgba[i + 2]!, img.rgba[i + 3]!, s.mode);
      }
    }
    return true;
  }

  function copy(sx: number, sy: number, w: number, h: number, mode: number, dx: number, dy: number): boolean {
    // Clip the source to the layer, shift the destination with it, then clip the destination.
    const src = clip(sx, sy, w, h);
    if (!src) return false;
    dx += src[0] - sx;
    dy += src[1] - sy;
    const dst = clip(dx, dy, src[2] - src[0], src[3] - src[1]);
    if (!dst) return false;
    const ox = src[0] + (dst[0] - dx);
    const oy = src[1] + (dst[1] - dy);
    const cw = dst[2] - dst[0];
    const ch = dst[3] - dst[1];
    const tmp = Buffer.alloc(cw * ch * 4); // source and destination may overlap
    for (let y = 0; y < ch; y++) rgba.copy(tmp, y * cw * 4, ((oy + y) * width + ox) * 4, ((oy + y) * width + ox + cw) * 4);
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++) {
        const i = (y * cw + x) * 4;
        put(((dst[1] + y) * width + dst[0] + x) * 4, tmp[i]!, tmp[i + 1]!, tmp[i + 2]!, tmp[i + 3]!, mode);
      }
    return true;
  }

  return {
    apply(opcode, args) {
      switch (opcode) {
        case 'size': {
          if (args[0] !== '0') return false;
          resize(int(args[1], 'size width', 0, 65535), int(args[2], 'size height', 0, 65535));
          return false; // a size alone draws nothing: a thumbnail waits for pixels
        }
        case 'img': {
          const [stream, mode, layer, mimetype, x, y] = args;
          if (stream === undefined || !/^\d{1,6}$/.test(stream)) throw new GuacFrameError('guacd sent a malformed img stream index');
          if (!streams.has(stream) && streams.size >= limits.maxStreams) throw new GuacFrameError('guacd opened too many image streams');
          const mine = layer === '0' && mimetype === 'image/png';
          if (layer === '0' && !mine) skipped++;
          streams.set(stream, {
            mode: int(mode, 'img mode', 0, 15),
            x: int(x, 'img x'),
            y: int(y, 'img y'),
            chunks: mine ? [] : null,
            chars: 0,
          });
          return false;
        }
        case 'blob': {
          const s = streams.get(args[0] ?? '');
          if (!s?.chunks) return false;
          const data = args[1] ?? '';
          s.chars += data.length;
          if (s.chars > limits.maxImageChars) throw new GuacFrameError('guacd sent an image larger than accepted');
          s.chunks.push(data);
          return false;
        }
        case 'end': {
          const s = streams.get(args[0] ?? '');
          streams.delete(args[0] ?? '');
          return s?.chunks ? drawImage(s) : false;
        }
        case 'rect': {
          if (args[0] !== '0') return false;
          path.push([int(args[1], 'rect x'), int(args[2], 'rect y'), int(args[3], 'rect width', 0), int(args[4], 'rect height', 0)]);
          if (path.length > 4096) throw new GuacFrameError('guacd sent too many rectangles in one path');
          return false;
        }
        case 'cfill': {
          if (args[1] !== '0') return false;
          const mode = int(args[0], 'cfill mode', 0, 15);
          const [r, g, b, a] = [2, 3, 4, 5].map((i) => int(args[i], 'cfill colour', 0, 255)) as [number, number, number, number];
          let drew = false;
          for (const [x, y, w, h] of path) {
            const c = clip(x, y, w, h);
            if (!c) continue;
            drew = true;
            for (let yy = c[1]; yy < c[3]; yy++) for (let xx = c[0]; xx < c[2]; xx++) put((yy * width + xx) * 4, r, g, b, a, mode);
          }
          path = [];
          return drew;
        }
        // Other uses of layer 0's path (strokes, layer fills, clipping) use it up undrawn here.
        case 'cstroke':
        case 'lfill':
        case 'lstroke':
          if (args[1] === '0') path = [];
          return false;
        case 'clip':
          if (args[0] === '0') path = [];
          return false;
        case 'copy': {
          if (args[0] !== '0' || args[6] !== '0') return false;
          const n = [1, 2, 3, 4, 5, 7, 8].map((i) => int(args[i], 'copy argument')) as number[];
          return copy(n[0]!, n[1]!, n[2]!, n[3]!, n[4]!, n[5]!, n[6]!);
        }
        default:
          return false;
      }
    },
    width: () => width,
    height: () => height,
    toBgrx() {
      const out = Buffer.alloc(width * height * 4);
      for (let i = 0; i < out.length; i += 4) {
        const a = rgba[i + 3]!;
        out[i] = (rgba[i + 2]! * a) / 255;
        out[i + 1] = (rgba[i + 1]! * a) / 255;
        out[i + 2] = (rgba[i]! * a) / 255;
      }
      return out;
    },
    skippedImages: () => skipped,
  };
}
