// One noVNC instance playing one recorded segment (one recorded RFB connection) in its own layer of
// the stage. A new layer stays invisible until its first frame is drawn, then replaces the old one,
// so a seek or a segment change never flashes a blank screen. View only: nothing reaches a desktop.
import type RFB from '@novnc/novnc';
import type { SegmentInfo } from './dprec.ts';
import { carriesPixels } from './fbuPixels.ts';
import { holdFlips, novncSettled, queuedBytes } from './novncState.ts';
import { RecordedRfbChannel } from './rfbChannel.ts';

const BACKGROUND = '#0e1116';
/**
 * Fast-forward hands noVNC records joined into batches of about this size (one message event each)
 * and waits until it has parsed all but LOW_WATER of them: noVNC's receive queue moves its unread
 * bytes to the front on every message that does not fit, so a large backlog costs a copy per message.
 */
const BATCH_BYTES = 256 * 1024;
const LOW_WATER = 64 * 1024;

export class VncRun {
  readonly layer: HTMLDivElement;
  readonly rfb: RFB;
  private readonly channel: RecordedRfbChannel;
  readonly connected: Promise<void>;
  private closed = false;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private held: { release(): void } | undefined;
  /** Data records delivered that draw pixels; a layer is shown only after its first full update. */
  delivered = 0;

  constructor(RFBClass: typeof RFB, stage: HTMLElement, segment: SegmentInfo) {
    this.layer = document.createElement('div');
    this.layer.className = 'player-layer is-pending';
    stage.appendChild(this.layer);
    this.channel = new RecordedRfbChannel(segment);
    this.rfb = new RFBClass(this.layer, this.channel as unknown as WebSocket, { shared: true });
    this.rfb.viewOnly = true;
    this.rfb.focusOnClick = false;
    this.rfb.scaleViewport = true;
    this.rfb.resizeSession = false;
    this.rfb.background = BACKGROUND;
    this.connected = new Promise((resolve, reject) => {
      this.rfb.addEventListener('connect', () => resolve());
      this.rfb.addEventListener('disconnect', () => reject(new Error('the recorded stream could not be decoded')));
    });
    this.connected.catch(() => {});
  }

  /** Live playback: hand the bytes over now. */
  deliver(bytes: Uint8Array): void {
    if (this.closed) return;
    this.held?.release();
    this.held = undefined;
    this.channel.deliver(bytes);
    if (carriesPixels(bytes)) this.delivered++;
  }

  /** Fast-forward: batch the bytes, hand a batch over when full, and let noVNC catch up. */
  async deliverFast(bytes: Uint8Array, isCancelled: () => boolean): Promise<void> {
    if (this.closed) return;
    this.held ??= holdFlips(this.rfb);
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    if (carriesPixels(bytes)) this.delivered++;
    if (this.batchBytes >= BATCH_BYTES) await this.flushBatch(isCancelled);
  }

  private async flushBatch(isCancelled: () => boolean): Promise<void> {
    if (this.batch.length === 0 || this.closed) return;
    const joined = this.batch.length === 1 ? (this.batch[0] as Uint8Array) : new Uint8Array(this.batchBytes);
    if (this.batch.length > 1) {
      let o = 0;
      for (const b of this.batch) {
        joined.set(b, o);
        o += b.length;
      }
    }
    this.batch = [];
    this.batchBytes = 0;
    this.channel.deliver(joined);
    // A macrotask at least once per batch: the page stays responsive (progress, clicks) meanwhile.
    do {
      await new Promise((r) => setTimeout(r, 0));
    } while (!isCancelled() && !this.closed && queuedBytes(this.rfb) > LOW_WATER);
  }

  /** Resolves once everything delivered so far is drawn and painted. */
  async settled(isCancelled: () => boolean): Promise<void> {
    await this.flushBatch(isCancelled);
    // Everything fast-forwarded is parsed: one copy of the changed area to the visible canvas.
    while (!isCancelled() && !this.closed && queuedBytes(this.rfb) > 0) await new Promise((r) => setTimeout(r, 0));
    this.held?.release();
    this.held = undefined;
    return novncSettled(this.rfb, () => isCancelled() || this.closed);
  }

  show(): void {
    this.layer.classList.remove('is-pending');
  }

  /** The noVNC canvas, for tests and for taking a still. */
  canvas(): HTMLCanvasElement | null {
    return this.layer.querySelector('canvas');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.rfb.disconnect();
    } catch {
      // already disconnected (a decode failure ends noVNC by itself)
    }
    this.layer.remove();
  }
}
