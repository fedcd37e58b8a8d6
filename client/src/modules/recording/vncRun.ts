// One noVNC instance playing one recorded segment (one recorded RFB connection) in its own layer of
// the stage. A new layer stays invisible until its first frame is drawn, then replaces the old one,
// so a seek or a segment change never flashes a blank screen. View only: nothing reaches a desktop.
import type RFB from '@novnc/novnc';
import type { SegmentInfo } from './dprec.ts';
import { novncSettled, queuedBytes } from './novncState.ts';
import { RecordedRfbChannel } from './rfbChannel.ts';

const BACKGROUND = '#0e1116';
/** Fast-forward waits while noVNC holds more than this unparsed (its queue throws past 40 MiB). */
const MAX_QUEUED = 4 * 1024 * 1024;
/** Fast-forward gives the page a turn (progress, clicks) after this much work. */
const SLICE_MS = 12;

export class VncRun {
  readonly layer: HTMLDivElement;
  readonly rfb: RFB;
  private readonly channel: RecordedRfbChannel;
  readonly connected: Promise<void>;
  private closed = false;
  private sliceStart = performance.now();
  /** Data records delivered; a layer is shown only after its first full update. */
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
    this.channel.deliver(bytes);
    this.delivered++;
  }

  /** Fast-forward: hand over, but let noVNC catch up and the page breathe now and then. */
  async deliverFast(bytes: Uint8Array, isCancelled: () => boolean): Promise<void> {
    this.deliver(bytes);
    if (performance.now() - this.sliceStart < SLICE_MS && queuedBytes(this.rfb) < MAX_QUEUED) return;
    do {
      await new Promise((r) => setTimeout(r, 0));
    } while (!isCancelled() && !this.closed && queuedBytes(this.rfb) >= MAX_QUEUED);
    this.sliceStart = performance.now();
  }

  /** Resolves once everything delivered so far is drawn and painted. */
  settled(isCancelled: () => boolean): Promise<void> {
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
