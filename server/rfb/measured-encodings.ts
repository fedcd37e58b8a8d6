// What the desktop→viewer filter (server-messages.ts) can measure: the encodings whose rectangle
// lengths are readable without decoding pixels, per kind of viewer, and the pixel format those lengths
// depend on. The relay narrows a filtered viewer's SetEncodings to these sets.
import { Encoding } from './constants.ts';

/** Encodings a view viewer may announce; the parser below can measure each of them. */
export const VIEW_ENCODINGS: ReadonlySet<number> = new Set([
  Encoding.Raw,
  Encoding.CopyRect,
  Encoding.Tight,
  Encoding.ZRLE,
  Encoding.Cursor,
  Encoding.DesktopSize,
  Encoding.LastRect,
  Encoding.ExtendedDesktopSize,
  Encoding.DesktopName,
  Encoding.Fence,
  Encoding.ContinuousUpdates,
  // Quality and compression levels carry no data of their own.
  ...Array.from({ length: 10 }, (_, i) => Encoding.QualityLevel0 + i),
  ...Array.from({ length: 10 }, (_, i) => Encoding.CompressLevel0 + i),
]);

/** A control viewer's encodings: the view set plus extensions whose rectangles carry no data and the
 *  extended clipboard (judged by the policy, clipboard.ts). Hextile, RRE, Zlib, JPEG, TightPNG, H.264
 *  and VMware cursors are left out: noVNC and TigerVNC then pick Tight, as they would anyway. */
export const CONTROL_ENCODINGS: ReadonlySet<number> = new Set([
  ...VIEW_ENCODINGS,
  Encoding.QemuExtendedKeyEvent,
  Encoding.Xvp,
  Encoding.ExtendedClipboard,
]);

export interface PixelFormatInfo {
  bitsPerPixel: number;
  depth: number;
  trueColour: boolean;
  /** Red, green and blue maxima all 255. */
  max255: boolean;
}

/** Reads the 16-byte PIXEL_FORMAT of ServerInit or SetPixelFormat. */
export function readPixelFormat(b: Buffer, off: number): PixelFormatInfo {
  return {
    bitsPerPixel: b[off] as number,
    depth: b[off + 1] as number,
    trueColour: b[off + 3] !== 0,
    max255: b.readUInt16BE(off + 4) === 255 && b.readUInt16BE(off + 6) === 255 && b.readUInt16BE(off + 8) === 255,
  };
}
