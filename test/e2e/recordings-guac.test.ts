// The player with a `.guac` recording made by a REAL guacd (1.6.0, its `recording-path` feature)
// of a real desktop: guacd's VNC client connected to Xvnc while full-screen colours are drawn with
// xsetroot. (VNC through guacd writes the same .guac format as its RDP and SSH clients; it needs no
// xrdp for this test.) The player seeks to when each colour was on screen and must show it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstructionParser, encodeInstruction } from '../../server/guac/instructions.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';
import { seekAndTime, signInAs, waitSettled } from './recordings-pages.ts';

const PASSWORD = 'guacrec1';
const COLOURS: [string, [number, number, number]][] = [
  ['#ff0000', [255, 0, 0]],
  ['#00ff00', [0, 255, 0]],
  ['#0000ff', [0, 0, 255]],
];

let t: TestGateway;
let browser: Browser;
let page: Page;
let guacd: GuacdProcess;
let xvnc: XvncHandle;
let dir: string;
let file: Buffer;
/** When each colour was on screen, on the recording's clock (ms after its first frame). */
const shownAt: number[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** guacd's clock minus ours, from the last `sync` it sent (its timestamps are not epoch ms). */
let guacdClockOffset = 0;

/** guacd's VNC client on Xvnc with recording on; `during` draws; resolves with the .guac path once guacd closed it. */
async function recordThroughGuacd(during: () => Promise<void>): Promise<string> {
  const sock = net.connect(guacd.port, '127.0.0.1');
  const parser = createInstructionParser({ maxInstructionChars: 16 * 1024 * 1024, maxElements: 256 });
  const send = (op: string, ...args: string[]) => sock.write(encodeInstruction(op, ...args));
  let args: string[] | undefined;
  let ready = false;
  let images = 0;
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.on('error', () => {});
  sock.on('data', (d) => {
    for (const ins of parser.push(d.toString())) {
      if (ins.opcode === 'args') args = ins.args;
      if (ins.opcode === 'ready') ready = true;
      if (ins.opcode === 'img' || ins.opcode === 'png') images++;
      if (ins.opcode === 'sync') {
        send('sync', ins.args[0] ?? '0'); // guacd waits for the client's frames
        guacdClockOffset = Number(ins.args[0]) - Date.now();
      }
    }
  });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  send('select', 'vnc');
  const until = async (ok: () => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`guacd: no ${what}`);
      await sleep(20);
    }
  };
  await until(() => args !== undefined, 'args');
  const values: Record<string, string> = {
    hostname: '127.0.0.1',
    port: String(xvnc.port),
    password: PASSWORD,
    'recording-path': dir,
    'recording-name': 'session.guac',
  };
  send('size', '800', '600', '96');
  send('audio');
  send('video');
  send('image', 'image/png');
  send('connect', ...args!.map((a) => (a.startsWith('VERSION_') ? a : (values[a] ?? ''))));
  await until(() => ready, 'ready');
  await until(() => images > 0, 'first image'); // the desktop's first frame is in the recording
  await during();
  send('disconnect');
  sock.end();
  await closed;
  const path = join(dir, 'session.guac');
  // guacd flushes and closes the file as its connection ends, just after the socket closes.
  await until(() => existsSync(path) && readFileSync(path, 'utf8').trimEnd().endsWith(';'), 'finished recording');
  return path;
}

/** guacd's timestamp of the recording's first frame (its first `sync`), the player's time 0. */
function firstSync(text: string): number {
  const m = /(?:^|;)4\.sync,\d+\.(\d+)/.exec(text);
  if (!m) throw new Error('the recording has no sync instruction');
  return Number(m[1]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-guacrec-'));
  guacd = await startGuacd();
  xvnc = await startXvnc(PASSWORD, '800x600');
  const drawnAt: number[] = []; // on guacd's clock
  const path = await recordThroughGuacd(async () => {
    for (const [c] of COLOURS) {
      const r = spawnSync('xsetroot', ['-display', `:${xvnc.display}`, '-solid', c], { timeout: 10_000 });
      if (r.status !== 0) throw new Error(`xsetroot: ${r.stderr?.toString()}`);
      drawnAt.push(Date.now() + guacdClockOffset);
      await sleep(2000);
    }
  });
  file = readFileSync(path);
  const t0 = firstSync(file.toString('utf8'));
  // The middle of the 2 s each colour stayed on screen.
  for (const at of drawnAt) shownAt.push(at - t0 + 1000);
  t = await startTestGateway();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await signInAs(page, t.url, 'admin', ADMIN_PASSWORD);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  await xvnc?.stop();
  await guacd?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** FAKE (named): the recordings API answered by the test from guacd's file (here guacd is driven by the test, not by a gateway session). */
async function serve(body: Buffer): Promise<void> {
  const started = Date.now() - 60_000;
  const meta = {
    id: 'rec-guac-test',
    sessionId: 's-guac',
    userId: 'u-bob',
    userName: 'bob',
    machineId: 'm-win',
    machineName: 'Windows box',
    hostId: 'local',
    kind: 'guac',
    trigger: 'on',
    state: 'finished',
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + 8000).toISOString(),
    durationMs: 8000,
    bytes: body.length,
    parts: [{ n: 0, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') }],
  };
  await page.unroute('**/api/v1/recordings**');
  await page.route('**/api/v1/recordings**', (route) => {
    const p = new URL(route.request().url()).pathname;
    if (p === '/api/v1/recordings') return route.fulfill({ json: { items: [meta] } });
    if (p.endsWith('/parts/0')) return route.fulfill({ status: 200, contentType: 'application/octet-stream', body });
    return route.fulfill({ json: meta });
  });
}

async function centreColour(): Promise<[number, number, number]> {
  return page.evaluate(() => {
    const c = window.__deskportPlayer!.canvas()!;
    const d = c.getContext('2d')!.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data;
    return [d[0]!, d[1]!, d[2]!] as [number, number, number];
  });
}

describe('playing a .guac recording made by guacd (recordings API answered by the test)', () => {
  it('shows each colour at the time it was on the desktop, forwards and backwards', async () => {
    expect(statSync(join(dir, 'session.guac')).size).toBeGreaterThan(0);
    await serve(file);
    await page.goto(`${t.url}/recordings/rec-guac-test`);
    await waitSettled(page);
    for (const i of [2, 0, 1, 2]) {
      await seekAndTime(page, shownAt[i]!);
      const got = await centreColour();
      const want = COLOURS[i]![1];
      expect(
        got.map((v, k) => Math.abs(v - want[k]!)).every((d) => d <= 8),
        `${COLOURS[i]![0]} at ${shownAt[i]} ms, got rgb(${got.join(',')})`,
      ).toBe(true);
    }
    await page.screenshot({ path: join(ARTIFACTS, '44-player-guac.png') });
  });

  it('plays to the end at 4x and stops on the last colour', async () => {
    await page.keyboard.press('4');
    await page.keyboard.press('Home');
    await page.keyboard.press('Space');
    await page.waitForFunction(
      () => {
        const s = window.__deskportPlayer?.snapshot();
        return s?.status === 'ended' && !s.busy; // the last seek drawn
      },
      undefined,
      { timeout: 30_000 },
    );
    const got = await centreColour();
    expect(got.map((v, k) => Math.abs(v - COLOURS[2]![1][k]!)).every((d) => d <= 8)).toBe(true);
  });

  it('says where a cut file stops playing', async () => {
    await serve(file.subarray(0, Math.floor(file.length * 0.7)));
    await page.reload();
    await page.getByTestId('player-problem').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('player-problem').textContent()).resolves.toMatch(/damaged after \d+:\d\d/);
  });
});
