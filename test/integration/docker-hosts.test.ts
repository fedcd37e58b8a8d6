// A Docker desktop host: a real `bin/deskport agent --driver docker` process with a real dockerd
// and the deskport-desktop image, against a real gateway. Launch, display, a container removed
// behind the agent's back, an agent killed with -9, and no container left behind.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../helpers/cluster.ts';
import {
  ADMIN_PASSWORD,
  signIn,
  startTestGateway,
  ticket,
  type Api,
  type SessionJson,
  type TestGateway,
  endLiveSessions,
} from '../helpers/gateway.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let t: TestGateway;
let admin: Api;
let dock: TestAgent;
let poolId: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ourContainers = () =>
  execFileSync('docker', ['ps', '-aq', '--filter', 'label=deskport.desktop'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);

beforeAll(async () => {
  // npm test's set-up starts the engine and builds the image; this makes the file runnable alone.
  execFileSync('bash', ['infra/docker.sh'], { stdio: 'ignore' });
  execFileSync('node', ['--import', 'tsx', 'infra/images/build.ts'], { stdio: 'ignore', timeout: 900_000 });
  t = await startTestGateway({ embeddedAgent: false, env: { DESKPORT_AGENT_TIMEOUT_S: '3' } });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  dock = await startAgent(admin, t.url, 'dock', { driver: 'docker', maxDesktops: 4 });
  const r = await admin.post('/api/v1/admin/pools', {
    name: 'Docker desktop',
    driver: 'docker',
    protocol: 'vnc',
    image: 'deskport-desktop:latest',
    cpu: 1,
    memoryMb: 512,
  });
  expect(r.status).toBe(201);
  poolId = (r.body as { id: string }).id;
}, 900_000);

afterAll(async () => {
  if (admin) {
    await endLiveSessions(admin);
  }
  await dock?.cleanup();
  await t?.cleanup();
  // Safety net only (the last test asserts there are none): never leave containers behind.
  for (const id of ourContainers()) execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
}, 60_000);

async function waitFor(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}

async function launch(): Promise<SessionJson> {
  const r = await admin.post('/api/v1/sessions', { poolId });
  expect([200, 201]).toContain(r.status);
  let s = (r.body as { session: SessionJson }).session;
  await waitFor(
    async () => (s = ((await admin.get(`/api/v1/sessions/${s.id}`)).body as { session: SessionJson }).session).state !== 'starting',
    60_000,
  );
  expect(s.state).toBe('ready');
  return s;
}
const stateOf = async (id: string) => ((await admin.get(`/api/v1/sessions/${id}`)).body as { session: SessionJson }).session;
const desktopIdOf = async (id: string) =>
  ((await admin.get('/api/v1/admin/sessions')).body as { id: string; desktopId: string }[]).find((s) => s.id === id)!.desktopId;

describe('a docker host', () => {
  it('launches a container desktop and streams it through the gateway', async () => {
    const s = await launch();
    const v = await RfbViewer.open(t.url, await ticket(admin, s.id));
    await v.handshake();
    await v.waitForWindows();
    expect(v.width).toBeGreaterThan(0);
    v.close();
    expect(ourContainers()).toHaveLength(1);
    expect((await admin.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    expect(ourContainers()).toHaveLength(0);
  });

  it('a container removed behind the agent’s back ends the session and tells its user', async () => {
    const s = await launch();
    const v = await RfbViewer.open(t.url, await ticket(admin, s.id));
    await v.handshake();
    execFileSync('docker', ['rm', '-f', `deskport-${await desktopIdOf(s.id)}`], { stdio: 'ignore' });
    await waitFor(async () => (await stateOf(s.id)).state === 'ended');
    expect((await stateOf(s.id)).error).toMatch(/desktop stopped.*Launch it again/);
    await waitFor(async () => v.closeInfo !== null, 5_000);
    expect(v.closeInfo?.code).not.toBe(1000);
  });

  it('an agent killed with -9 gets its desktops back when it restarts, and nothing leaks', async () => {
    const s = await launch();
    await dock.kill('SIGKILL');
    await waitFor(async () => (await stateOf(s.id)).state === 'lost');
    expect(ourContainers()).toHaveLength(1); // the desktop kept running without its agent
    await dock.restart(t.url);
    await waitFor(async () => (await stateOf(s.id)).state === 'ready');
    const v = await RfbViewer.open(t.url, await ticket(admin, s.id));
    await v.handshake();
    await v.waitForWindows();
    v.close();
    expect((await admin.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    expect(ourContainers()).toHaveLength(0);
  });
});
