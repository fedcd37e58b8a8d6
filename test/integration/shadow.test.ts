// Helpdesk shadowing over the real relay with a real desktop: consent, view-only enforced by the
// gateway, upgrade to control, denial, ending closes the helpdesk's socket, pool policy, thumbnails,
// and the authorization matrix of the admin and helpdesk routes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, ticket, type Api, type TestGateway } from '../helpers/gateway.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let t: TestGateway;
let admin: Api;
let owner: Api;
let helper: Api;
let plain: Api;
let sessionId: string;
let home: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ShadowJson {
  id: string;
  state: string;
  mode: string;
  consent: string;
}

beforeAll(async () => {
  t = await startTestGateway();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  for (const [name, roles] of [
    ['olivia', ['user']],
    ['hank', ['helpdesk']],
    ['pete', ['user']],
  ] as const) {
    expect((await admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  }
  owner = await signIn(t.url, 'olivia', 'olivia-password-1');
  helper = await signIn(t.url, 'hank', 'hank-password-1');
  plain = await signIn(t.url, 'pete', 'pete-password-1');
  sessionId = (await launchDesktop(owner, t.url)).id;
  home = (await desktopInfo(admin, t.dataDir, sessionId)).home;
});
afterAll(async () => t?.cleanup());

async function ask(mode: 'view' | 'control', api = helper): Promise<{ status: number; shadow: ShadowJson; body: unknown }> {
  const r = await api.post(`/api/v1/sessions/${sessionId}/shadow`, { mode, reason: 'ticket #4711: printer setup' });
  return { status: r.status, shadow: (r.body as { shadow: ShadowJson }).shadow, body: r.body };
}
const answer = async (id: string, what: 'approve' | 'deny' | 'end', api = owner) => api.post(`/api/v1/shadows/${id}/${what}`);
async function open(api: Api, path: string): Promise<RfbViewer> {
  const v = await RfbViewer.open(t.url, path);
  await v.handshake();
  await v.waitForWindows();
  return v;
}
async function waitForFile(name: string, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(join(home, name))) return true;
    await sleep(100);
  }
  return false;
}
async function stable(v: RfbViewer): Promise<string> {
  let last = (await v.capture()).hash;
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const h = (await v.capture()).hash;
    if (h === last) return h;
    last = h;
  }
  return last;
}

describe('shadowing', () => {
  it('a plain user cannot shadow; a pending request gives no ticket; a denied one never does', async () => {
    expect((await ask('view', plain)).status).toBe(403);
    const { status, shadow } = await ask('view');
    expect(status).toBe(201);
    expect(shadow.state).toBe('pending');
    expect((await helper.post(`/api/v1/shadows/${shadow.id}/tickets`)).status).toBe(409);
    expect((await answer(shadow.id, 'approve', helper)).status).toBe(403); // only the owner answers
    expect((await answer(shadow.id, 'deny')).status).toBe(200);
    expect((await helper.post(`/api/v1/shadows/${shadow.id}/tickets`)).status).toBe(409);
  });

  it('view is enforced by the gateway; the owner keeps control; an upgrade needs new consent; ending closes the helpdesk socket', async () => {
    const view = (await ask('view')).shadow;
    expect((await answer(view.id, 'approve')).status).toBe(200);
    const t1 = (await helper.post(`/api/v1/shadows/${view.id}/tickets`)).body as { url: string; mode: string };
    expect(t1.mode).toBe('view');
    const watcher = await open(helper, t1.url);
    const before = await stable(watcher);
    watcher.click(200, 200);
    await sleep(300);
    watcher.type('touch helpdesk-view-typed\n');
    await sleep(1500);
    expect(existsSync(join(home, 'helpdesk-view-typed'))).toBe(false);
    expect(await stable(watcher)).toBe(before);

    const mine = await open(owner, await ticket(owner, sessionId));
    mine.click(200, 200);
    await sleep(500);
    mine.type('touch owner-typed\n');
    expect(await waitForFile('owner-typed')).toBe(true);

    const control = (await ask('control')).shadow;
    expect(control.state).toBe('pending');
    const approvedAt = Date.now();
    expect((await answer(control.id, 'approve')).status).toBe(200);
    // The view shadow was replaced: its socket closes with the shadow-ended code.
    await waitForClose(watcher, 2_000);
    expect(watcher.closeInfo?.code).toBe(4001);
    const t2 = (await helper.post(`/api/v1/shadows/${control.id}/tickets`)).body as { url: string; mode: string };
    expect(t2.mode).toBe('control');
    const driver = await open(helper, t2.url);
    console.info(`allow → helpdesk's first frame: ${Date.now() - approvedAt} ms`);
    driver.click(200, 200);
    await sleep(500);
    driver.type('touch helpdesk-control-typed\n');
    expect(await waitForFile('helpdesk-control-typed')).toBe(true);

    const ended = Date.now();
    expect((await answer(control.id, 'end')).status).toBe(200);
    await waitForClose(driver, 1_000);
    expect(driver.closeInfo?.code).toBe(4001);
    expect(Date.now() - ended).toBeLessThan(1_000);
    expect((await helper.post(`/api/v1/shadows/${control.id}/tickets`)).status).toBe(409);
    mine.close();
    const actions = ((await admin.get('/api/v1/admin/audit?actor=olivia')).body as { action: string }[]).map((a) => a.action);
    for (const a of ['shadow.approve', 'shadow.deny', 'shadow.end']) expect(actions).toContain(a);
  });

  it('two shadows of one helpdesk user in one mode: each ticket opens its own shadow (its audit, its end)', async () => {
    const a = (await ask('view')).shadow;
    const b = (await ask('view')).shadow;
    expect(b.id).not.toBe(a.id);
    for (const s of [a, b]) expect((await answer(s.id, 'approve')).status).toBe(200);
    const tb = (await helper.post(`/api/v1/shadows/${b.id}/tickets`)).body as { url: string };
    const vb = await open(helper, tb.url);
    // The display opened with B's ticket is B's: its start is audited under B's id.
    const starts = async () =>
      ((await admin.get('/api/v1/admin/audit?action=shadow.start')).body as { target: string }[]).map((e) => e.target);
    await expect.poll(starts, { timeout: 5_000 }).toContain(b.id);
    expect(await starts()).not.toContain(a.id);
    // Ending A leaves B's display open; ending B closes it.
    expect((await answer(a.id, 'end')).status).toBe(200);
    await sleep(1_000);
    expect(vb.closeInfo).toBeNull();
    expect((await answer(b.id, 'end')).status).toBe(200);
    await waitForClose(vb, 2_000);
    expect(vb.closeInfo?.code).toBe(4001);
  });

  it('a pool may allow view shadowing without consent (still only view)', async () => {
    const pools = (await admin.get('/api/v1/admin/pools')).body as { id: string }[];
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pools[0]!.id}`, { shadowWithoutConsent: true })).status).toBe(200);
    const v = await ask('view');
    expect(v.shadow).toMatchObject({ state: 'approved', consent: 'pool' });
    const c = await ask('control');
    expect(c.shadow.state).toBe('pending');
    await answer(v.shadow.id, 'end', helper);
    await answer(c.shadow.id, 'end', helper);
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pools[0]!.id}`, { shadowWithoutConsent: false })).status).toBe(200);
  });

  it('tells the owner through the session events stream', async () => {
    const res = await fetch(`${t.url}/api/v1/sessions/${sessionId}/events`, { headers: { cookie: owner.cookie } });
    const reader = res.body!.getReader();
    const { shadow } = await ask('view');
    let text = '';
    while (!text.includes(shadow.id)) text += Buffer.from((await reader.read()).value!).toString();
    expect(text).toMatch(/event: shadow\ndata: \{"shadow":\{[^\n]*"requesterName":"hank"/);
    await reader.cancel();
    await answer(shadow.id, 'end');
  });
});

describe('thumbnails', () => {
  it('are valid, non-blank PNGs of the live screen, for helpdesk only', async () => {
    expect((await fetch(`${t.url}/api/v1/helpdesk/sessions/${sessionId}/thumbnail`, { headers: { cookie: plain.cookie } })).status).toBe(
      403,
    );
    const r = await fetch(`${t.url}/api/v1/helpdesk/sessions/${sessionId}/thumbnail`, { headers: { cookie: helper.cookie } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await r.arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(width).toBeLessThanOrEqual(320);
    expect(height).toBeGreaterThan(100);
    // Decode the pixels and count colours: a blank (single colour) screen would fail.
    let off = 8;
    const idat: Buffer[] = [];
    while (off < png.length) {
      const len = png.readUInt32BE(off);
      if (png.toString('latin1', off + 4, off + 8) === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
      off += 12 + len;
    }
    const raw = inflateSync(Buffer.concat(idat));
    const colours = new Set<number>();
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x += 3) {
        const i = y * (width * 3 + 1) + 1 + x * 3;
        colours.add((raw[i]! << 16) | (raw[i + 1]! << 8) | raw[i + 2]!);
      }
    expect(colours.size).toBeGreaterThan(3);
    const list = (await helper.get('/api/v1/helpdesk/sessions')).body as { id: string; username: string; thumbnailUrl: string }[];
    expect(list.find((s) => s.id === sessionId)).toMatchObject({
      username: 'olivia',
      thumbnailUrl: `/api/v1/helpdesk/sessions/${sessionId}/thumbnail`,
    });
  });
});

describe('authorization matrix', () => {
  const adminRoutes: [string, string][] = [
    ['GET', '/api/v1/admin/users'],
    ['POST', '/api/v1/admin/users'],
    ['GET', '/api/v1/admin/groups'],
    ['GET', '/api/v1/admin/pools'],
    ['POST', '/api/v1/admin/pools'],
    ['GET', '/api/v1/admin/hosts'],
    ['POST', '/api/v1/admin/hosts/enrollments'],
    ['GET', '/api/v1/admin/sessions'],
    ['DELETE', `/api/v1/admin/sessions/s-x`],
    ['GET', '/api/v1/admin/audit'],
    ['GET', '/api/v1/admin/metrics/history'],
  ];
  const helpdeskRoutes: [string, string][] = [
    ['GET', '/api/v1/helpdesk/sessions'],
    ['GET', '/api/v1/helpdesk/sessions/s-x/thumbnail'],
    ['POST', '/api/v1/sessions/s-x/shadow'],
  ];
  it('refuses every admin route to users and helpdesk, and every helpdesk route to users', async () => {
    for (const [method, path] of adminRoutes) {
      expect((await plain.call(method, path, method === 'GET' ? undefined : {})).status, `${method} ${path} as user`).toBe(403);
      expect((await helper.call(method, path, method === 'GET' ? undefined : {})).status, `${method} ${path} as helpdesk`).toBe(403);
    }
    for (const [method, path] of helpdeskRoutes) {
      expect((await plain.call(method, path, method === 'GET' ? undefined : {})).status, `${method} ${path} as user`).toBe(403);
    }
    expect((await helper.get('/api/v1/helpdesk/sessions')).status).toBe(200);
    expect((await admin.get('/api/v1/admin/metrics/history')).status).toBe(200);
  });
});

async function waitForClose(v: RfbViewer, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!v.closeInfo && Date.now() < end) await sleep(20);
}
