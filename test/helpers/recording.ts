// Makes real `.dprec` recordings for tests (the player's e2e test uses them). makeTestRecording: a
// real Xvnc, the gateway's own recorder (server/recording/vnc-recorder.ts) and known pictures drawn
// with xsetroot; for each picture the full-size live frame (grabbed over a separate RFB connection
// the way thumbnails are) and when it was on screen, so a player can seek there and compare.
// recordGatewaySession: the same through a real test gateway, so the API and the Recordings page see it.
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
import { desktopInfo } from './desktops.ts';
import { launchDesktop, type Api } from './gateway.ts';
import { until } from './until.ts';
import type { RecordingView } from '../../contract/api/recordings.ts';
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

export interface GatewayRecording {
  recordingId: string;
  sessionId: string;
  /** The recording's part files on disk (all finished). */
  parts: string[];
  /** Per colour: `t` in the recording's clock (part 0's startedAt) and the live screen as the helpdesk
   *  thumbnail (a 320 px wide PNG; for full-size pixels use makeTestRecording). */
  frames: LiveFrame[];
}

/**
 * A recording made by a real test gateway (startTestGateway) of a session in its default pool, with
 * known colours drawn on the desktop's root window: sets the pool's policy to `recording: on`, launches,
 * draws, ends the session and waits until the recording is finished. The Recordings page lists it.
 */
export async function recordGatewaySession(
  tg: { url: string; dataDir: string },
  api: Api,
  o: { colours?: string[]; holdMs?: number } = {},
): Promise<GatewayRecording> {
  const pools = (await api.get('/api/v1/admin/pools')).body as { id: string; name: string }[];
  const poolId = pools.find((p) => p.name === 'Linux desktop (local)')!.id;
  const patched = await api.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy: { recording: 'on' } });
  if (patched.status !== 200) throw new Error(`could not turn recording on: ${patched.status} ${JSON.stringify(patched.body)}`);
  const s = await launchDesktop(api, tg.url);
  const recordingId = await poll('the recording row', async () => {
    const list = (await api.get('/api/v1/recordings')).body as { items: { id: string; sessionId: string }[] };
    return list.items.find((r) => r.sessionId === s.id)?.id;
  });
  const info = await desktopInfo(api, tg.dataDir, s.id);
  const { display } = JSON.parse(readFileSync(join(tg.dataDir, 'desktops', info.desktopId, 'state.json'), 'utf8')) as { display: number };
  const t0 = await poll('part 0 on disk', async () => {
    try {
      return parseFileHead(readFileSync(join(tg.dataDir, 'recordings', `${recordingId}-0.dprec`))).header.startedAt;
    } catch {
      return undefined;
    }
  });
  const frames: LiveFrame[] = [];
  for (const colour of o.colours ?? ['#ff0000', '#00ff00', '#0000ff']) {
    xInDesktop(join(tg.dataDir, 'desktops', info.desktopId, 'tmp'), display, ['xsetroot', '-solid', colour]);
    await sleep(SETTLE_MS);
    const png = await fetch(`${tg.url}/api/v1/helpdesk/sessions/${s.id}/thumbnail`, { headers: { cookie: api.cookie } });
    if (png.status !== 200) throw new Error(`thumbnail: ${png.status}`);
    frames.push({ colour, t: Date.now() - t0, png: Buffer.from(await png.arrayBuffer()) });
    // Thumbnails are cached for 2 s: the next colour's grab must not get this one.
    await sleep(Math.max(2100, o.holdMs ?? 2100));
  }
  const ended = await api.del(`/api/v1/sessions/${s.id}`);
  if (ended.status !== 204) throw new Error(`could not end the session: ${ended.status}`);
  const parts = await poll('the recording finished', async () => {
    const v = (await api.get(`/api/v1/recordings/${recordingId}`)).body as { state: string; parts: { n: number }[] };
    if (v.state === 'failed') throw new Error(`the recording failed: ${JSON.stringify(v)}`);
    return v.state === 'finished' && v.parts.map((p) => join(tg.dataDir, 'recordings', `${recordingId}-${p.n}.dprec`));
  });
  return { recordingId, sessionId: s.id, parts, frames };
}

/**
 * Runs an X client on a process desktop from outside: the desktop's X socket and cookie live in its
 * own tmp (sandboxed desktops see it as /tmp), so the client runs in a private mount namespace with
 * that directory's X11 socket directory mounted over /tmp/.X11-unix (needs root, as the tests run).
 */
export function xInDesktop(desktopTmp: string, display: number, argv: string[]): void {
  const r = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$1/.X11-unix" /tmp/.X11-unix && shift && exec "$@"',
      'x',
      desktopTmp,
      ...argv,
    ],
    { env: { ...process.env, DISPLAY: `:${display}`, XAUTHORITY: join(desktopTmp, '.Xauthority') }, timeout: 10_000 },
  );
  if (r.status !== 0) throw new Error(`${argv[0]} in the desktop failed: ${r.stderr?.toString().trim()}`);
}

async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Waits until a recording is no longer being written (finished or failed) and answers its view. */
export function recordingEnded(api: Api, id: string, timeoutMs = 20_000): Promise<RecordingView> {
  return until(
    'the recording finished',
    async () => {
      const v = (await api.get(`/api/v1/recordings/${id}`)).body as RecordingView;
      return v.state !== 'recording' && v;
    },
    timeoutMs,
  );
}
