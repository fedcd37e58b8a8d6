// System integration with real Xvnc: the whole gateway (HTTP API, broker, agent hub, in-process
// agent, process driver, RFB-terminating relay) on loopback, driven like a browser would.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, ticket, type Api, type TestGateway } from '../helpers/gateway.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let t: TestGateway;
let api: Api;

beforeAll(async () => {
  t = await startTestGateway();
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => t?.cleanup());
// Each test starts from no live session (a launch would otherwise resume the previous one).
afterEach(async () => {
  const live = (await api.get('/api/v1/admin/sessions?state=starting,ready,lost')).body as { id: string }[];
  for (const s of live) await api.del(`/api/v1/admin/sessions/${s.id}`);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const desktopOf = (sessionId: string) => desktopInfo(api, t.dataDir, sessionId);

async function waitForContent(file: string, want: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() === want) return;
    await sleep(100);
  }
  throw new Error(`${file} never held ${JSON.stringify(want)}`);
}

/** Captures until two consecutive frames agree (the terminal finished drawing). */
async function stableCapture(v: RfbViewer): Promise<string> {
  let last = (await v.capture()).hash;
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const h = (await v.capture()).hash;
    if (h === last) return h;
    last = h;
  }
  return last;
}

describe('a desktop through the gateway', () => {
  it('launches, becomes ready, and streams RFB through /ws/vnc', async () => {
    const s = await launchDesktop(api, t.url);
    const v = await RfbViewer.open(t.url, await ticket(api, s.id));
    await v.handshake();
    expect(v.width).toBeGreaterThanOrEqual(800);
    expect(v.height).toBeGreaterThanOrEqual(600);
    // A real desktop: a background plus a terminal window, not a single flat colour. The window
    // manager starts the terminal just after the display answers, so give it a moment.
    await v.waitForWindows();
    expect((await v.capture()).distinctColours).toBeGreaterThan(2);
    v.close();
  });

  it('a view ticket cannot type; a control ticket can', async () => {
    const s = await launchDesktop(api, t.url);
    const { home } = await desktopOf(s.id);
    const viewer = await RfbViewer.open(t.url, await ticket(api, s.id, 'view'));
    await viewer.handshake();
    await viewer.waitForWindows();
    const before = await stableCapture(viewer);
    viewer.click(200, 200);
    viewer.type('touch view-was-here\n');
    await sleep(1500);
    expect(await stableCapture(viewer)).toBe(before);
    expect(existsSync(join(home, 'view-was-here'))).toBe(false);

    const control = await RfbViewer.open(t.url, await ticket(api, s.id, 'control'));
    await control.handshake();
    await control.waitForWindows();
    control.click(200, 200); // focus the terminal; the window manager takes a moment
    await sleep(500);
    control.type('touch control-was-here\n');
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(home, 'control-was-here')) && Date.now() < deadline) await sleep(100);
    expect(existsSync(join(home, 'control-was-here'))).toBe(true);
    // The shared view-only viewer sees the control viewer's typing.
    expect(await stableCapture(viewer)).not.toBe(before);
    viewer.close();
    control.close();
    // Every dropped view-only message is counted by type (the view viewer typed 20 key events).
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const keys = /deskport_relay_dropped_input_total\{type="key_event",reason="view_only"\} (\d+)/.exec(metrics);
    expect(Number(keys?.[1])).toBeGreaterThanOrEqual(2 * 'touch view-was-here\n'.length);
    expect(metrics).toMatch(/deskport_relay_dropped_input_total\{type="pointer_event",reason="view_only"\} [1-9]/);
  });

  it('a desktop that dies is destroyed on its host: its pooled home and record go', async () => {
    const s = await launchDesktop(api, t.url);
    const info = await desktopOf(s.id);
    const stateDir = join(t.dataDir, 'desktops', info.desktopId);
    expect(existsSync(info.home)).toBe(true);
    for (const pid of info.pids) process.kill(pid, 'SIGKILL'); // a crash: nobody asked it to stop
    const deadline = Date.now() + 20_000;
    while ((existsSync(stateDir) || existsSync(info.home)) && Date.now() < deadline) await sleep(200);
    expect((await api.get(`/api/v1/sessions/${s.id}`)).body).toMatchObject({ session: { state: 'ended' } });
    expect(existsSync(info.home)).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('survives a gateway restart: the desktop keeps running and the session resumes', async () => {
    const s = await launchDesktop(api, t.url);
    const { home, pids } = await desktopOf(s.id);
    const v1 = await RfbViewer.open(t.url, await ticket(api, s.id));
    await v1.handshake();
    await v1.waitForWindows();
    // The terminal is drawn in steps (window, then the shell's prompt): type once it has settled, or
    // the keys can reach a window that is not focused yet or a shell that has not started.
    await stableCapture(v1);
    v1.click(200, 200);
    await stableCapture(v1);
    v1.type('echo before-restart > marker\n');
    await waitForContent(join(home, 'marker'), 'before-restart');
    await t.restart();
    for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();
    api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    const again = ((await api.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session;
    expect(again.state).toBe('ready');
    const pools = (await api.get('/api/v1/pools')).body as { id: string }[];
    const resumed = await api.post('/api/v1/sessions', { poolId: pools[0]!.id });
    expect(resumed.status).toBe(200);
    expect((resumed.body as { session: { id: string } }).session.id).toBe(s.id);
    const v2 = await RfbViewer.open(t.url, await ticket(api, s.id));
    await v2.handshake();
    expect((await v2.capture()).distinctColours).toBeGreaterThan(2);
    expect(readFileSync(join(home, 'marker'), 'utf8').trim()).toBe('before-restart');
    v2.close();
  });

  it('ending a pooled session removes its processes and its home', async () => {
    const s = await launchDesktop(api, t.url);
    const { home, pids } = await desktopOf(s.id);
    expect(existsSync(home)).toBe(true);
    const v = await RfbViewer.open(t.url, await ticket(api, s.id));
    await v.handshake();
    expect((await api.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    const closed = await new Promise<number>((r) => (v.closeInfo ? r(v.closeInfo.code) : v.ws.once('close', (c) => r(c))));
    expect(closed).toBe(4000);
    expect(existsSync(home)).toBe(false);
    await sleep(300);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(((await api.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state).toBe('ended');
  });
});
