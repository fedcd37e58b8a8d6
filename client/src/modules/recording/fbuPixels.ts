// Whether a recorded data record draws anything. A record holds whole server messages (the recorder
// cuts at message boundaries), and TigerVNC's Xvnc answers a new connection's encodings with a
// FramebufferUpdate of one ExtendedDesktopSize rectangle before the full screen; when the two arrive in
// separate reads they are separate records, and a player that shows a new connection after "its first
// record" would show an empty screen. Only rectangles of known pseudo-encodings at the start are
// skipped; anything else counts as pixels (a wrong "yes" shows a frame a moment early, a wrong "no"
// would wait for a frame that never comes).
const DESKTOP_SIZE = -223;
const LAST_RECT = -224;
const EXTENDED_DESKTOP_SIZE = -308;
const RECT_HEAD = 12;

export function carriesPixels(b: Uint8Array): boolean {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 0;
  while (o < b.length) {
    if (b[o] !== 0 || o + 4 > b.length) return true; // not a FramebufferUpdate (or cut): not ours to judge
    let rects = v.getUint16(o + 2);
    o += 4;
    for (; rects > 0; rects--) {
      if (o + RECT_HEAD > b.length) return true;
      const enc = v.getInt32(o + 8);
      o += RECT_HEAD;
      if (enc === DESKTOP_SIZE) continue;
      if (enc === LAST_RECT) break;
      if (enc !== EXTENDED_DESKTOP_SIZE || o + 4 > b.length) return true;
      o += 4 + 16 * (b[o] as number);
      if (o > b.length) return true;
    }
  }
  return false;
}
