// Cuts the capture's byte stream into WebSocket frames the player can use as they come: each frame
// holds whole sample frames (parec's pipe reads may split a sample) and at most MAX_FRAME_BYTES. An
// aligned chunk of allowed size (the usual case) passes through without a copy.
import { BYTES_PER_SAMPLE, MAX_FRAME_BYTES, PCM_FORMAT } from '../../contract/audio.ts';

export const SAMPLE_FRAME_BYTES = BYTES_PER_SAMPLE * PCM_FORMAT.channels;

export class PcmFramer {
  /** Bytes of an incomplete sample frame left from the last chunk (fewer than SAMPLE_FRAME_BYTES). */
  private carry: Buffer = Buffer.alloc(0);

  constructor(
    private readonly unit = SAMPLE_FRAME_BYTES,
    private readonly max = MAX_FRAME_BYTES,
  ) {
    if (max % unit !== 0 || max <= 0) throw new RangeError('the frame cap must be a positive multiple of the sample frame');
  }

  push(chunk: Buffer): Buffer[] {
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const whole = data.length - (data.length % this.unit);
    this.carry = whole === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(whole)); // copied: the chunk's memory is not kept
    if (whole === 0) return [];
    if (whole <= this.max) return [whole === data.length ? data : data.subarray(0, whole)];
    const out: Buffer[] = [];
    for (let at = 0; at < whole; at += this.max) out.push(data.subarray(at, Math.min(whole, at + this.max)));
    return out;
  }
}
