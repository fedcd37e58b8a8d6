// An RDP desktop in a container, seen through /ws/rdp: a real `bin/deskport agent --driver docker`
// with a real dockerd and the deskport-desktop image (protocol rdp: Xorg + xorgxrdp + xrdp on a unix
// socket), the agent's dial-back stream behind the gateway's one-connection forward, a real guacd,
// and a Guacamole client in Node that must receive a picture with pixels.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../helpers/cluster.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type SessionJson, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let admin: Api;
let dock: TestAgent;
let poolId: string;
const clients: GuacClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ourContainers = () =>
  execFileSync('docker', ['ps', '-aq', '--filter', 'label=deskport.desktop'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);

beforeAll(async () => {
  // npm test's set-up starts the engine and builds the image; this makes the file runnable alone.
  execFileSync('bash', ['infra/docker.sh'], { stdio: 'ignore' });
  execFileSync('node', ['--import', 'tsx', 'infra/images/build.ts'], { stdio: 'ignore', timeout: 900_000 });
  guacd = await startGuacd();
  t = await startTestGateway({ embeddedAgent: false, guacd: guacd.guacd });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  dock = await startAgent(admin, t.url, 'dock-rdp', { driver: 'docker', maxDesktops: 2 });
  const r = await admin.post('/api/v1/admin/pools', {
    name: 'Docker RDP desktop',
    driver: 'docker',
    protocol: 'rdp',
    image: 'deskport-desktop:latest',
    cpu: 1,
    memoryMb: 512,
  });
  expect(r.status).toBe(201);
  poolId = (r.body as { id: string }).id;
}, 900_000);

afterAll(async () => {
  for (const c of clients) c.close();
  if (admin) {
    const live = (await admin.get('/api/v1/admin/sessions?state=starting,ready,lost')).body as { id: string }[];
    for (const s of live ?? []) await admin.del(`/api/v1/admin/sessions/${s.id}`);
  }
  await dock?.cleanup();
  await t?.cleanup();
  await guacd?.kill();
  // Safety net only (the test asserts there are none): never leave containers behind.
  for (const id of ourContainers()) execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
}, 60_000);

describe('a docker RDP desktop through /ws/rdp', () => {
  it('launches a container with xrdp and shows its pixels through the agent stream, the forward and guacd', async () => {
    const r = await admin.post('/api/v1/sessions', { poolId });
    expect([200, 201]).toContain(r.status);
    let s = (r.body as { session: SessionJson }).session;
    for (const end = Date.now() + 90_000; s.state === 'starting' && Date.now() < end;) {
      await sleep(200);
      s = ((await admin.get(`/api/v1/sessions/${s.id}`)).body as { session: SessionJson }).session;
    }
    expect(s.state).toBe('ready');
    expect(ourContainers()).toHaveLength(1);
    const tk = await admin.post(`/api/v1/sessions/${s.id}/tickets`, { mode: 'control' });
    expect(tk.status).toBe(201);
    expect((tk.body as { protocol: string }).protocol).toBe('rdp');
    const started = Date.now();
    const c = await GuacClient.open(t.url, (tk.body as { url: string }).url);
    clients.push(c);
    const img = await c.firstImage(40_000);
    console.info(`docker RDP: /ws/rdp connect → first PNG with pixels: ${Date.now() - started} ms (${img.width}x${img.height})`);
    expect(img.distinct).toBeGreaterThan(1);
    expect(c.decodeErrors).toEqual([]);
    c.close();
    expect((await admin.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    expect(ourContainers()).toHaveLength(0);
  }, 150_000);
});
