// Builders for client→server RFB messages, shared by the parser, policy and relay tests.

export const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
export const s32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
export const cat = (...parts: (Buffer | number[])[]) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

export const msg = {
  setPixelFormat: () => cat([0, 0, 0, 0], [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]),
  setEncodings: (encs: number[]) => cat([2, 0], u16(encs.length), ...encs.map(s32)),
  fbur: (incremental = 1) => cat([3, incremental], u16(0), u16(0), u16(1024), u16(768)),
  key: (down: number, keysym: number) => cat([4, down, 0, 0], u32(keysym)),
  pointer: (mask: number, x: number, y: number) => cat([5, mask], u16(x), u16(y)),
  cutText: (text: Buffer) => cat([6, 0, 0, 0], u32(text.length), text),
  extendedCutText: (payload: Buffer) => cat([6, 0, 0, 0], s32(-payload.length), payload),
  continuousUpdates: () => cat([150, 1], u16(0), u16(0), u16(100), u16(100)),
  fence: (payload: Buffer) => cat([248, 0, 0, 0], u32(0x80000000), [payload.length], payload),
  xvp: () => Buffer.from([250, 0, 1, 2]),
  setDesktopSize: (screens: number) => cat([251, 0], u16(800), u16(600), [screens, 0], Buffer.alloc(16 * screens, 1)),
  qemuKey: () => cat([255, 0], u16(1), u32(0x61), u32(0x1e)),
  qemuAudio: (op: number) => (op === 2 ? cat([255, 1], u16(2), [3, 2], u32(44100)) : cat([255, 1], u16(op))),
};
