// The sound relay: the desktop's capture stream → the browser, as it comes. Audio is real time: when
// the browser (or its network) falls behind, frames are dropped at the gateway instead of queued, so
// the delay never grows and the gateway holds at most `maxQueuedBytes` per listener.
import type { WebSocket } from 'ws';
import { audioHello, BYTES_PER_SECOND, MAX_FRAME_BYTES } from '../../contract/audio.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { closeWs, isOpen } from '../util/ws.ts';
import { PcmFramer } from './pcm-framer.ts';

/** About a third of a second of sound queued toward one browser; more is dropped. */
export const DEFAULT_MAX_QUEUED_BYTES = Math.round(BYTES_PER_SECOND / 3);
/**
 * PulseAudio hands the capture ~6 ms blocks (about 160 a second). Each is a WebSocket frame and a
 * wake-up in the browser; sending 20 ms at a time costs a third of that and adds at most 20 ms (a
 * partial batch goes out after FLUSH_MS, so the end of a sound is never held back).
 */
export const BATCH_BYTES = (BYTES_PER_SECOND / 1000) * 20;
const FLUSH_MS = 25;
/** Digital silence is not sent: the sink's monitor streams zeros while nothing plays (90 kB/s for
 *  nothing), and the player plays silence by itself when nothing comes. */
const ZEROS = Buffer.alloc(MAX_FRAME_BYTES + BATCH_BYTES);
const silent = (b: Buffer): boolean => b.length <= ZEROS.length && b.equals(ZEROS.subarray(0, b.length));

export interface AudioRelayStats {
  bytesSent: number;
  framesSent: number;
  framesDropped: number;
  /** Batches of digital silence, not sent. */
  silentFrames: number;
}

export interface AudioRelay {
  stats: AudioRelayStats;
  /** Ends both sides; safe to call twice. */
  close(code: number, reason: string): void;
  done: Promise<string>;
}

const BINARY = { binary: true } as const;

export function startAudioRelay(browser: WebSocket, link: DesktopLink, o: { maxQueuedBytes?: number } = {}): AudioRelay {
  const cap = o.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  const framer = new PcmFramer();
  const stats: AudioRelayStats = { bytesSent: 0, framesSent: 0, framesDropped: 0, silentFrames: 0 };
  let finished = false;
  let resolveDone: (why: string) => void = () => undefined;
  const done = new Promise<string>((r) => (resolveDone = r));
  const finish = (code: number, why: string): void => {
    if (finished) return;
    finished = true;
    clearTimeout(flushTimer);
    link.close(why);
    closeWs(browser, code, why);
    resolveDone(why);
  };

  let batch: Buffer[] = [];
  let batched = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (batched === 0 || finished || !isOpen(browser)) return;
    const frame = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    if (silent(frame)) {
      stats.silentFrames++;
      return;
    }
    if (browser.bufferedAmount + frame.length > cap) {
      stats.framesDropped++; // the browser is behind: this sound is late already, drop it
      return;
    }
    browser.send(frame, BINARY);
    stats.bytesSent += frame.length;
    stats.framesSent++;
  };

  browser.send(JSON.stringify(audioHello()));
  link.onData((chunk) => {
    if (finished || !isOpen(browser)) return;
    for (const frame of framer.push(chunk)) {
      batch.push(frame);
      batched += frame.length;
      if (batched >= BATCH_BYTES) flush();
    }
    if (batched > 0) flushTimer ??= setTimeout(flush, FLUSH_MS);
  });
  link.onClose((detail) => finish(1000, `the desktop's sound stream ended (${detail})`));
  link.onError(() => undefined); // the close that follows says it
  link.onProtocolError((why) => finish(1011, why));
  // The player sends nothing: anything it sends is ignored (never buffered).
  browser.on('message', () => undefined);
  browser.once('close', () => finish(1000, 'the browser closed the sound'));
  browser.on('error', () => undefined);
  return { stats, done, close: finish };
}
