// What a viewer may send to a desktop. View-only is enforced here, in the gateway, not by the
// browser: a `view` viewer's input never reaches the desktop. Default-deny: only listed types pass.
import { ClientMessageType as T, EXTENDED_MOUSE_BUTTONS_ENCODING, QemuSubtype } from './constants.ts';
import type { ClientMessage } from './client-messages.ts';

export type ViewerMode = 'control' | 'view';

export interface Verdict {
  forward: boolean;
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

export function judgeClientMessage(m: ClientMessage, mode: ViewerMode): Verdict {
  if (mode === 'control') return { forward: true, input: isInput(m) };
  // Dropped input is not activity: a watcher must not keep someone else's session alive.
  return { forward: VIEW_ALLOWED.has(m.type), input: false };
}

/** Encodings the relay removes from SetEncodings before the desktop sees them. */
export const STRIPPED_ENCODINGS: ReadonlySet<number> = new Set([
  // With it, a server may switch noVNC to a 7-byte PointerEvent, and only the server→client stream
  // (which the relay does not parse) says when. Without it every PointerEvent stays 6 bytes.
  EXTENDED_MOUSE_BUTTONS_ENCODING,
]);

/**
 * SetEncodings without the given encodings. Returns the same Buffer when nothing is removed (the
 * common case costs no copy). `msg` must be a whole SetEncodings message, as the parser yields.
 */
export function stripEncodings(msg: Buffer, drop: ReadonlySet<number> = STRIPPED_ENCODINGS): Buffer {
  const n = msg.readUInt16BE(2);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = msg.readInt32BE(4 + 4 * i);
    if (!drop.has(e)) kept.push(e);
  }
  if (kept.length === n) return msg;
  const out = Buffer.alloc(4 + 4 * kept.length);
  out[0] = T.SetEncodings;
  out.writeUInt16BE(kept.length, 2);
  kept.forEach((e, i) => out.writeInt32BE(e, 4 + 4 * i));
  return out;
}
