// xrdp-chansrv's audio-out socket protocol (what pulseaudio-module-xrdp speaks; learned from xrdp's
// sesman/chansrv/sound.c): messages of an 8-byte little-endian header, u32 id and u32 size (the header
// included), then size-8 bytes. Id 0 carries PCM in chansrv's one output format, id 1 asks chansrv to
// send the RDP client a close (the sound stopped). chansrv refuses other ids and payloads over 128 KiB.

export const ChansrvAudio = { Data: 0, Close: 1 } as const;
export type ChansrvAudioId = (typeof ChansrvAudio)[keyof typeof ChansrvAudio];

export const HEADER_BYTES = 8;
/** chansrv drops the connection on a larger message. */
export const MAX_PAYLOAD_BYTES = 128 * 1024;

/** chansrv's first (and, for PCM, only chosen) output format: 44.1 kHz, stereo, s16le. */
export const CHANSRV_FORMAT = { rate: 44_100, channels: 2, bytesPerFrame: 4 } as const;
export const CHANSRV_BYTES_PER_SECOND = CHANSRV_FORMAT.rate * CHANSRV_FORMAT.bytesPerFrame;

export function encodeMessage(id: ChansrvAudioId, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new RangeError(`chansrv audio payload of ${payload.length} bytes (max ${MAX_PAYLOAD_BYTES})`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(id, 0);
  header.writeUInt32LE(HEADER_BYTES + payload.length, 4);
  return Buffer.concat([header, payload]);
}

export interface DecodedMessage {
  id: ChansrvAudioId;
  payload: Buffer;
}

/** Whole messages at the start of `buf` and what is left over (a partial message); throws on what chansrv would refuse. */
export function decodeMessages(buf: Buffer): { messages: DecodedMessage[]; rest: Buffer } {
  const messages: DecodedMessage[] = [];
  let at = 0;
  while (buf.length - at >= HEADER_BYTES) {
    const id = buf.readUInt32LE(at);
    const size = buf.readUInt32LE(at + 4);
    if (id !== ChansrvAudio.Data && id !== ChansrvAudio.Close) throw new Error(`unknown chansrv audio message id ${id}`);
    if (size < HEADER_BYTES || size > HEADER_BYTES + MAX_PAYLOAD_BYTES) throw new Error(`chansrv audio message of bad size ${size}`);
    if (buf.length - at < size) break;
    messages.push({ id, payload: buf.subarray(at + HEADER_BYTES, at + size) });
    at += size;
  }
  return { messages, rest: buf.subarray(at) };
}
