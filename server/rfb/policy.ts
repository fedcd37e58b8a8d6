// What a viewer may send to a desktop. View-only is enforced here, in the gateway, not by the
// browser: a `view` viewer's input never reaches the desktop. Default-deny: only listed types pass.
import { ClientMessageType as T, Encoding, EXTENDED_MOUSE_BUTTONS_ENCODING, QemuSubtype } from './constants.ts';
import type { ClientMessage } from './client-messages.ts';

export type ViewerMode = 'control' | 'view';

export interface Verdict {
  forward: boolean;
  /** Why a message is not forwarded: a view-only viewer's input, or an extension the viewer never announced. */
  drop?: 'view_only' | 'not_announced';
  /** Someone's hands on the desktop (key, pointer, clipboard): resets the session's idle timer. */
  input: boolean;
}

/** Messages that only shape what the viewer receives; they change nothing on the desktop. */
const VIEW_ALLOWED: ReadonlySet<number> = new Set([
  T.SetPixelFormat,
  T.SetEncodings,
  T.FramebufferUpdateRequest,
  T.EnableContinuousUpdates,
  T.ClientFence,
]);

function isInput(m: ClientMessage): boolean {
  if (m.type === T.KeyEvent || m.type === T.PointerEvent || m.type === T.ClientCutText) return true;
  return m.type === T.Qemu && m.bytes[1] === QemuSubtype.ExtendedKeyEvent;
}

/**
 * The pseudo-encoding a viewer must have announced in its latest SetEncodings before the desktop
 * may see this message, or null when none is needed. A desktop that gets an extension message it
 * was never told to expect may misbehave: TigerVNC 1.12 crashes on SetDesktopSize without
 * ExtendedDesktopSize. The cheap common types (key, pointer, update request) return at once.
 */
export function requiredEncoding(m: ClientMessage): number | null {
  switch (m.type) {
    case T.SetDesktopSize:
      return Encoding.ExtendedDesktopSize;
    case T.EnableContinuousUpdates:
      return Encoding.ContinuousUpdates;
    case T.ClientFence:
      return Encoding.Fence;
    case T.Xvp:
      return Encoding.Xvp;
    case T.Qemu:
      return m.bytes[1] === QemuSubtype.ExtendedKeyEvent ? Encoding.QemuExtendedKeyEvent : Encoding.QemuAudio;
    case T.ClientCutText:
      // A negative length is the extended clipboard format.
      return m.bytes.length >= 8 && m.bytes.readInt32BE(4) < 0 ? Encoding.ExtendedClipboard : null;
    default:
      return null;
  }
}

/** `announced`: the encodings of the viewer's latest SetEncodings, as the desktop received it. */
export function judgeClientMessage(m: ClientMessage, mode: ViewerMode, announced: ReadonlySet<number>): Verdict {
  if (mode === 'view' && !VIEW_ALLOWED.has(m.type)) {
    // Dropped input is not activity: a watcher must not keep someone else's session alive.
    return { forward: false, drop: 'view_only', input: false };
  }
  const needs = requiredEncoding(m);
  if (needs !== null && !announced.has(needs)) return { forward: false, drop: 'not_announced', input: false };
  return { forward: true, input: mode === 'control' && isInput(m) };
}

/** Encodings the relay removes from SetEncodings before the desktop sees them. */
export const STRIPPED_ENCODINGS: ReadonlySet<number> = new Set([
  // With it, a server may switch noVNC to a 7-byte PointerEvent, and only the server→client stream
  // (which the relay does not parse) says when. Without it every PointerEvent stays 6 bytes.
  EXTENDED_MOUSE_BUTTONS_ENCODING,
]);

/** The encodings a SetEncodings message lists (a whole message, as the parser yields). */
export function listedEncodings(msg: Buffer): number[] {
  const n = msg.readUInt16BE(2);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(msg.readInt32BE(4 + 4 * i));
  return out;
}

/** SetEncodings with only the encodings `keep` accepts; the same Buffer when nothing is removed. */
export function keepEncodings(msg: Buffer, keep: (encoding: number) => boolean): Buffer {
  const all = listedEncodings(msg);
  const kept = all.filter(keep);
  if (kept.length === all.length) return msg;
  const out = Buffer.alloc(4 + 4 * kept.length);
  out[0] = T.SetEncodings;
  out.writeUInt16BE(kept.length, 2);
  kept.forEach((e, i) => out.writeInt32BE(e, 4 + 4 * i));
  return out;
}

/**
 * SetEncodings without the given encodings. Returns the same Buffer when nothing is removed (the
 * common case costs no copy). `msg` must be a whole SetEncodings message, as the parser yields.
 */
export function stripEncodings(msg: Buffer, drop: ReadonlySet<number> = STRIPPED_ENCODINGS): Buffer {
  return keepEncodings(msg, (e) => !drop.has(e));
}
