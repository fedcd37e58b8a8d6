// The desktop's sound on the wire: raw PCM from the desktop's sound server (agents/process/sound.ts)
// through the agent's 'audio' stream and the gateway's /ws/audio to the browser's player. One format,
// announced in the socket's first (text) frame so the player never guesses. docs/audio.md.

/**
 * Signed 16-bit little-endian, 48 kHz (the rate WebAudio runs at on most machines: no resampling),
 * mono: 96 000 bytes/s (768 kbit/s) on the wire. Stereo would double it for little gain on a desktop.
 */
export const PCM_FORMAT = {
  format: 's16le',
  rate: 48_000,
  channels: 1,
  /** parec's --latency-msec: the capture buffer; smaller costs CPU in wake-ups, larger adds delay. */
  captureLatencyMs: 20,
} as const;

export const BYTES_PER_SAMPLE = 2;
export const BYTES_PER_SECOND = PCM_FORMAT.rate * PCM_FORMAT.channels * BYTES_PER_SAMPLE;
/** The largest binary frame the gateway sends (100 ms); larger chunks are split. */
export const MAX_FRAME_BYTES = BYTES_PER_SECOND / 10;

/** The first frame of /ws/audio, as JSON text; every later frame is binary PCM of whole sample frames. */
export interface AudioHello {
  type: 'hello';
  format: typeof PCM_FORMAT.format;
  rate: number;
  channels: number;
}

export const audioHello = (): AudioHello => ({
  type: 'hello',
  format: PCM_FORMAT.format,
  rate: PCM_FORMAT.rate,
  channels: PCM_FORMAT.channels,
});

/** Close codes of /ws/audio beyond the display's (contract/display.ts). */
export const AudioClose = {
  /** The desktop has no working sound server: the viewer says "Sound is unavailable on this desktop". */
  SoundUnavailable: 4506,
  /** The session's policy (or the owner's consent, for a helpdesk shadow) does not allow sound. */
  NotAllowed: 4403,
} as const;
