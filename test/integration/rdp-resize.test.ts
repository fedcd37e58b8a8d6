// Live resize of an RDP display, repeated (issue 12: once, a display ended after its third display
// update): a real xrdp + xorgxrdp desktop, a real guacd (resize-method display-update), the gateway's
// /ws/rdp, and a Guacamole client that sends `size` and waits for guacd's own `size` of layer 0.
// Cause, measured here: xrdp 0.9.21 + xorgxrdp 0.9.19 sometimes lose their Xorg session on a resize
// (xrdp.log: "Can't attach to shared memory id … [Invalid argument]", then lib_mod_process_message
// failed; neutrinolabs/xrdp#1928): xorgxrdp frees a framebuffer a queued paint still names. guacd
// then ends the display ("Aborted. See logs.", status 0x308). Spacing the updates at the gateway
// (one at a time, 1 s after the desktop redrew) did not avoid it (4 of 4 runs still failed within
// ten), so what is asserted is recovery: such an end is one the viewer retries by itself, and the
// reconnect comes back at the size asked for.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainGuacEnd } from '../../client/src/modules/viewer/guac/guacStatus.ts';
import { encodeInstruction } from '../../server/guac/instructions.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';

const run = promisify(execFile);
let t: TestGateway;
let guacd: GuacdProcess;
let owner: Api;
let sessionId: string;
const clients: GuacClient[] = [];
const timers: NodeJS.Timeout[] = [];
/** The end of the desktop's xrdp log, for a failure's message (xrdp says why it dropped its Xorg session). */
async function xrdpLogTail(): Promise<string> {
  const { stdout } = await run('sh', ['-c', `tail -n 15 ${t.dataDir}/desktops/*/xrdp.log`]).catch(() => ({ stdout: '(none)' }));
  return stdout;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function open(size: { width?: number; height?: number } = {}): Promise<GuacClient> {
  const r = await owner.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
  expect(r.status).toBe(201);
  const c = await GuacClient.open(t.url, (r.body as { url: string }).url, size);
  clients.push(c);
  // guacamole-common-js's keep-alive.
  timers.push(setInterval(() => c.send(encodeInstruction('', 'ping', String(Date.now()))), 500));
  return c;
}

/** Index after which guacd's `size` of layer 0 says `w`x`h`. */
function sizedTo(c: GuacClient, from: number, w: number, h: number): boolean {
  return c.received.slice(from).some((i) => i.opcode === 'size' && i.args[0] === '0' && i.args[1] === String(w) && i.args[2] === String(h));
}

beforeAll(async () => {
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: guacd.guacd });
  const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect((await admin.post('/api/v1/admin/users', { username: 'rey', password: 'rey-password-1', roles: ['user'] })).status).toBe(201);
  const pool = await admin.post('/api/v1/admin/pools', { name: 'RDP resize', driver: 'process', protocol: 'rdp' });
  expect(pool.status).toBe(201);
  owner = await signIn(t.url, 'rey', 'rey-password-1');
  const r = await owner.post('/api/v1/sessions', { poolId: (pool.body as { id: string }).id });
  let s = (r.body as { session: { id: string; state: string } }).session;
  for (const end = Date.now() + 45_000; s.state === 'starting' && Date.now() < end;) {
    await sleep(100);
    s = ((await owner.get(`/api/v1/sessions/${s.id}`)).body as { session: typeof s }).session;
  }
  expect(s.state).toBe('ready');
  sessionId = s.id;
}, 90_000);

afterAll(async () => {
  for (const x of timers) clearInterval(x);
  for (const c of clients) c.close();
  await t?.cleanup();
  await guacd?.kill();
});

const SIZES: [number, number][] = [
  [1000, 700],
  [1280, 720],
  [900, 640],
  [1200, 800],
  [800, 600],
  [1100, 760],
  [1024, 768],
  [1368, 768],
  [960, 540],
  [1024, 700],
];

/**
 * Asks for `w`x`h` and waits for guacd to confirm it; when xrdp loses its Xorg session instead, checks
 * that the end is one the viewer retries and reconnects at that size, as the viewer would. Returns
 * the display to go on with and whether it had to reconnect.
 */
async function resizeOrRecover(c: GuacClient, w: number, h: number, send = true): Promise<{ c: GuacClient; recovered: boolean }> {
  const from = c.received.length;
  if (send) c.send(encodeInstruction('size', String(w), String(h)));
  const sized = c.until(`display update to ${w}x${h}`, () => sizedTo(c, from, w, h), 30_000).then(() => 'sized' as const);
  const outcome = await Promise.race([sized, c.closed]).catch(async (e: Error) => {
    throw new Error(`${e.message}\n--- the desktop's xrdp log (tail) ---\n${await xrdpLogTail()}`);
  });
  if (outcome === 'sized') return { c, recovered: false };
  sized.catch(() => undefined);
  const error = c.received.find((x) => x.opcode === 'error');
  const verdict = explainGuacEnd({
    closeCode: outcome.code,
    ...(error ? { status: { code: Number(error.args[1]), message: error.args[0] ?? '' } } : {}),
  });
  expect(verdict.kind, `the display ended with ${outcome.code} ${outcome.reason}; xrdp:\n${await xrdpLogTail()}`).toBe('retry');
  console.info(`resize to ${w}x${h}: xrdp lost its Xorg session (${outcome.reason}); reconnecting`);
  // A reconnect may meet the same race while xrdp sets up again: as the viewer, try a few times.
  for (let attempt = 1; ; attempt++) {
    const next = await open({ width: w, height: h });
    await next.firstImage();
    const ok = await next
      .until(`the reconnected display at ${w}x${h}`, () => sizedTo(next, 0, w, h), 30_000)
      .then(
        () => true,
        (e: Error) => {
          const sizes = next.received.filter((x) => x.opcode === 'size' && x.args[0] === '0').map((x) => x.args.join('x'));
          if (attempt >= 3) throw new Error(`${e.message} (guacd's sizes of layer 0: ${sizes.join(', ')})`);
          return false;
        },
      );
    if (ok) return { c: next, recovered: true };
  }
}

describe('live resize of an RDP display', () => {
  it('follows ten display updates in a row; a lost xrdp session on the way ends as a retry and comes back at the new size', async () => {
    let c = await open();
    await c.firstImage();
    let recoveries = 0;
    for (const [i, [w, h]] of SIZES.entries()) {
      const t0 = Date.now();
      const r = await resizeOrRecover(c, w, h);
      c = r.c;
      if (r.recovered) recoveries++;
      else console.info(`resize ${i + 1} → ${w}x${h}: ${Date.now() - t0} ms`);
    }
    console.info(`ten live resizes: ${recoveries} needed a reconnect`);
    // The desktop still answers (or, if xrdp lost it on the last update, the display ended as a retry).
    const seen = c.received.length;
    c.mouse(400, 300, 0);
    c.type(' ');
    const frames = c.until('frames after the resizes', () => c.received.slice(seen).some((x) => x.opcode === 'sync'), 30_000);
    const last = await Promise.race([frames.then(() => 'frames' as const), c.closed]);
    if (last !== 'frames') {
      frames.catch(() => undefined);
      const error = c.received.find((x) => x.opcode === 'error');
      expect(
        explainGuacEnd({ closeCode: last.code, ...(error ? { status: { code: Number(error.args[1]), message: '' } } : {}) }).kind,
      ).toBe('retry');
      c = await open({ width: 1024, height: 700 });
      await c.firstImage();
    }
    c.close();
  }, 300_000);

  it('a burst of sizes (a window dragged, no debounce) ends at the last size', async () => {
    let c = await open();
    await c.firstImage();
    for (let round = 0; round < 3; round++) {
      for (const [w, h] of SIZES.slice(0, 6)) {
        c.send(encodeInstruction('size', String(w + round * 4), String(h)));
        await sleep(60);
      }
      c = (await resizeOrRecover(c, SIZES[5]![0] + round * 4, SIZES[5]![1], false)).c;
    }
    c.close();
  }, 300_000);
});
