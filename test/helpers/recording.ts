// Makes a real `.dprec` recording for tests (the player's e2e test uses it): a real Xvnc, the
// gateway's own recorder (server/recording/vnc-recorder.ts), and known pictures drawn in between
// with xsetroot. For each picture it keeps the live frame (grabbed over a separate RFB connection
// the way thumbnails are) and the time it was on screen, so a player can seek there and compare.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grabFrame } from '../../server/display/thumbnail.ts';
import { silentLogger } from '../../server/log.ts';
import { socketLink, type DesktopLink } from '../../server/relay/desktop-link.ts';
import type { FinishedPart } from '../../server/recording/part-writer.ts';
import { parseFileHead } from '../../server/recording/reader.ts';
import { VncRecorder } from '../../server/recording/vnc-recorder.ts';
import { startXvnc, type XvncHandle } from './xvnc.ts';

const PASSWORD = 'rec-Xk9q2';

export interface LiveFrame {
  /** The colour drawn (xsetroot -solid). */
  colour: string;
  /** Milliseconds after the recording's start (part 0's header startedAt) when the frame was grabbed; the
   *  screen stays unchanged from `t - settleMs` to `t + holdMs`, so compare the recording in that window. */
  t: number;
  /** The live screen as a PNG at full size (RGB). */
  png: Buffer;
}

export interface TestRecording {
  dir: string;
  recordingId: string;
  sessionId: string;
  /** Finished part files in order, with size and SHA-256. */
  parts: FinishedPart[];
  frames: LiveFrame[];
  /** Clipboard messages the desktop sent that the recorder left out. */
  clipboardWithheld: number;
  width: number;
  height: number;
  /** Removes the directory (the Xvnc is already stopped). */
  cleanup(): void;
}

export interface MakeRecordingOptions {
  /** Colours shown one after another (default red, green, blue). */
  colours?: string[];
  /** How long each colour stays after it was grabbed (ms, default 1500). */
  holdMs?: number;
  geometry?: string;
  keyframeMs?: number;
  partMaxBytes?: number;
  /** Runs with the X display number while the recording runs, after the colours (e.g. start an xterm). */
  extra?: (display: number) => Promise<void>;
}

export const SETTLE_MS = 700;

function openLink(port: number): Promise<DesktopLink> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', reject);
    s.once('connect', () => resolve(socketLink(s)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function makeTestRecording(o: MakeRecordingOptions = {}): Promise<TestRecording> {
  const dir = mkdtempSync(join(tmpdir(), 'deskport-rec-'));
  const geometry = o.geometry ?? '800x600';
  const [width, height] = geometry.split('x').map(Number) as [number, number];
  let xvnc: XvncHandle | undefined;
  let recorder: VncRecorder | undefined;
  try {
    xvnc = await startXvnc(PASSWORD, geometry);
    const x = xvnc;
    const recordingId = `rec-test-${Date.now().toString(36)}`;
    const startedAt = Date.now();
    recorder = new VncRecorder({
      recordingId,
      sessionId: 'session-under-test',
      dir,
      openLink: () => openLink(x.port),
      secret: PASSWORD,
      log: silentLogger(),
      ...(o.keyframeMs ? { keyframeMs: o.keyframeMs } : {}),
      ...(o.partMaxBytes ? { partMaxBytes: o.partMaxBytes } : {}),
    });
    await recorder.start();
    const frames: LiveFrame[] = [];
    for (const colour of o.colours ?? ['#ff0000', '#00ff00', '#0000ff']) {
      const r = spawnSync('xsetroot', ['-display', `:${x.display}`, '-solid', colour], { timeout: 10_000 });
      if (r.status !== 0) throw new Error(`xsetroot failed: ${r.stderr?.toString()}`);
      await sleep(SETTLE_MS); // an X server paints the root asynchronously; there is no event to await from outside
      const png = await grabFrame(await openLink(x.port), PASSWORD, width);
      frames.push({ colour, t: Date.now() - startedAt, png });
      await sleep(o.holdMs ?? 1500);
    }
    if (o.extra) await o.extra(x.display);
    const clipboardWithheld = recorder.clipboardWithheld;
    const parts = await recorder.stop('session ended');
    recorder = undefined;
    // Frame times relative to the file's own clock (part 0's startedAt), which a player seeks by.
    const t0 = parseFileHead(readFileSync(parts[0]!.path)).header.startedAt;
    for (const f of frames) f.t -= t0 - startedAt;
    await xvnc.stop();
    xvnc = undefined;
    return {
      dir,
      clipboardWithheld,
      recordingId,
      sessionId: 'session-under-test',
      parts,
      frames,
      width,
      height,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await recorder?.stop('test failed');
    await xvnc?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
