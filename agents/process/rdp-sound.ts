// Sound of RDP desktops: Deskport's own stand-in for pulseaudio-module-xrdp (not packaged in Debian 12).
// While a client with the sound channel (rdpsnd) is connected, xrdp-chansrv listens on its audio-out
// socket; the agent connects there, runs parec on the desktop's sink monitor (sound.ts) in chansrv's
// format and writes the PCM in chansrv's framing (rdp-sound-frame.ts). docs/audio.md, "RDP desktops".
import { lstat } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Layout } from './layout.ts';
import type { DriverLogger } from './options.ts';
import { CHANSRV_BYTES_PER_SECOND, CHANSRV_FORMAT, ChansrvAudio, encodeMessage } from './rdp-sound-frame.ts';
import { withChansrv } from './rdp.ts';
import { hostChansrvDir, type Jail } from './sandbox.ts';
import { openCapture, soundBins } from './sound.ts';

/** chansrv's audio-out socket for display :N (the name is fixed in xrdp 0.9.21's chansrv). */
export const chansrvAudioSocketName = (display: number): string => `xrdp_chansrv_audio_out_socket_${display}`;
export const hostChansrvAudioSocket = (j: Jail): string => join(hostChansrvDir(j), chansrvAudioSocketName(j.display));

/** PCM per message: 20 ms. chansrv gathers 8 KiB (46 ms) before it sends the RDP client a block. */
export const BATCH_BYTES = (CHANSRV_BYTES_PER_SECOND / 1000) * 20;
/** Zeros still sent after a sound, so chansrv's last partial block leaves; after that, silence is not sent. */
export const SILENT_TAIL_BATCHES = 5;
/** Unwritten PCM the bridge holds toward chansrv (250 ms): beyond it, batches are dropped, never queued. */
export const MAX_QUEUED_BYTES = CHANSRV_BYTES_PER_SECOND / 4;
/** How often a bridge looks for chansrv's listener while it has none. */
const POLL_MS = 200;
/** The pause after a bridge ends before the next (chansrv listens again at once): doubled after each one
 *  that lasted under SHORT_MS (a dead sound server, chansrv refusing us), so a failure never spins. */
export const PAUSE_MS = { first: 500, max: 30_000 } as const;
const SHORT_MS = 5_000;

export interface BridgeOptions {
  desktopId: string;
  /** chansrv's audio-out socket on the host. */
  socketPath: string;
  /** Starts the capture: PCM in chansrv's format; destroying it stops the capture. */
  capture: () => Promise<Readable>;
  log: DriverLogger;
}

export interface BridgeStats {
  /** PCM bytes written to chansrv. */
  sentBytes: number;
  /** Batches dropped because chansrv did not keep up. */
  droppedBatches: number;
  /** Connections to chansrv so far. */
  connections: number;
}

export interface RdpSoundBridge {
  stats(): BridgeStats;
  /** Stops the capture and closes chansrv's socket; safe to call twice. */
  stop(): void;
}

const isSilent = (b: Buffer): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
};

/** Watches for chansrv's listener; bridges while connected; back to watching when chansrv closes it. */
export function startRdpSoundBridge(o: BridgeOptions): RdpSoundBridge {
  const stats: BridgeStats = { sentBytes: 0, droppedBatches: 0, connections: 0 };
  let stopped = false;
  let busy = false; // connecting or bridging
  let refused = ''; // the socket file a connect was refused on: not retried until it changes
  let conn: Socket | null = null;
  let capture: Readable | null = null;
  let since = 0; // when the current connection started
  let pause: number = PAUSE_MS.first;
  const timer = setInterval(() => void look(), POLL_MS).unref();
  void look();

  async function look(): Promise<void> {
    if (stopped || busy) return;
    const st = await lstat(o.socketPath).catch(() => null);
    if (!st?.isSocket() || `${st.ino}:${st.ctimeMs}` === refused || stopped || busy) return;
    busy = true;
    const c = createConnection(o.socketPath);
    let connected = false;
    c.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return end(c, `chansrv's audio socket failed (${err.code ?? err.message})`);
      refused = `${st.ino}:${st.ctimeMs}`; // a socket file left behind: no listener on it
      busy = false;
    });
    c.once('connect', () => ((connected = true), void bridge(c)));
  }

  async function bridge(c: Socket): Promise<void> {
    conn = c;
    stats.connections++;
    since = Date.now();
    c.once('close', () => end(c, 'chansrv closed its audio socket'));
    c.on('data', () => {}); // chansrv sends nothing on this socket; drained if it ever does
    if (stopped) return end(c, 'stopped');
    o.log.info({ desktopId: o.desktopId }, 'rdp sound: a client with sound connected; bridging the desktop sound to xrdp-chansrv');
    let cap: Readable;
    try {
      cap = await o.capture();
    } catch (err) {
      o.log.warn(
        { desktopId: o.desktopId, err: (err as Error).message },
        'rdp sound: the capture did not start; the RDP client hears nothing',
      );
      return end(c, 'no capture');
    }
    if (conn !== c) return void cap.destroy();
    capture = cap;
    cap.on('error', (err: Error) => end(c, `the capture failed (${err.message})`));
    let pending: Buffer = Buffer.alloc(0);
    let silentRun = SILENT_TAIL_BATCHES; // nothing to flush before the first sound
    cap.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (; pending.length - at >= BATCH_BYTES; at += BATCH_BYTES) {
        const batch = pending.subarray(at, at + BATCH_BYTES);
        silentRun = isSilent(batch) ? silentRun + 1 : 0;
        if (silentRun > SILENT_TAIL_BATCHES) continue;
        if (c.writableLength > MAX_QUEUED_BYTES) {
          stats.droppedBatches++;
          continue;
        }
        c.write(encodeMessage(ChansrvAudio.Data, batch));
        stats.sentBytes += batch.length;
      }
      pending = Buffer.from(pending.subarray(at)); // under one batch: bounded
    });
    cap.once('close', () => end(c, 'the capture ended'));
  }

  /** Ends connection `c` if it is still the current one (late events of an old one change nothing). */
  function end(c: Socket | null, why: string): void {
    if (!c || conn !== c) return;
    conn = null;
    capture?.destroy();
    capture = null;
    c.destroy();
    const { sentBytes, droppedBatches } = stats;
    o.log.info({ desktopId: o.desktopId, why, sentBytes, droppedBatches }, 'rdp sound: bridge closed');
    if (stopped) return;
    pause = Date.now() - since < SHORT_MS ? Math.min(pause * 2, PAUSE_MS.max) : PAUSE_MS.first;
    setTimeout(() => (busy = false), pause).unref();
  }

  return {
    stats: () => ({ ...stats }),
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      end(conn, 'stopped');
    },
  };
}

export interface RdpSound {
  /** Bridges the desktop's sound while `stream` (one RDP connection to its xrdp) is open. */
  follow(j: Jail, desktopId: string, stream: Socket): void;
  /** Ends the desktop's bridge (the desktop stops). */
  stop(desktopId: string): void;
  stopAll(): void;
}

/** One bridge per desktop, kept while any RDP stream to it is open: chansrv serves one sound client. */
export function createRdpSound(o: { L: Layout; log: DriverLogger }): RdpSound {
  const bridges = new Map<string, { refs: number; bridge: RdpSoundBridge }>();
  const stop = (desktopId: string): void => {
    bridges.get(desktopId)?.bridge.stop();
    bridges.delete(desktopId);
  };
  return {
    follow(j, desktopId, stream) {
      if (!withChansrv(j) || !soundBins()) return; // no chansrv (no sandbox) or no PulseAudio: no RDP sound
      let held = bridges.get(desktopId);
      if (!held) {
        const capture = () =>
          openCapture(j, o.L, desktopId, { rate: CHANSRV_FORMAT.rate, channels: CHANSRV_FORMAT.channels, client: 'deskport-rdp-sound' });
        held = { refs: 0, bridge: startRdpSoundBridge({ desktopId, socketPath: hostChansrvAudioSocket(j), capture, log: o.log }) };
        bridges.set(desktopId, held);
      }
      held.refs++;
      const h = held;
      stream.once('close', () => {
        if (--h.refs === 0 && bridges.get(desktopId) === h) stop(desktopId);
      });
    },
    stop,
    stopAll() {
      for (const id of [...bridges.keys()]) stop(id);
    },
  };
}
