// A VM desktop host end to end: a real gateway, a real `bin/deskport agent --driver qemu` process and
// real QEMU (TCG) booting the vm-test image. Launch, the guest's screen through the gateway's relay
// (VncAuth with the desktop's secret), the agent killed with -9 and re-adopting the VM, typing that
// reaches the guest (it powers off), a VM crash ending its session, an admin's own bootable qcow2 base,
// a warm spare VM claimed by a launch, and nothing left behind.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DisplayClose } from '../../contract/display.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../../test/helpers/cluster.ts';
import {
  ADMIN_PASSWORD,
  launchPool,
  signIn,
  startTestGateway,
  ticket,
  type Api,
  type SessionJson,
  type TestGateway,
  endLiveSessions,
} from '../../test/helpers/gateway.ts';
import { RfbViewer } from '../../test/helpers/rfb-viewer.ts';
import { stillRunning } from '../process/procfs.ts';
import { buildBootableTestDisk, prepareTestImage } from './testing.ts';
import { readAllStates } from './vm.ts';

let t: TestGateway;
let admin: Api;
let host: TestAgent;
let poolId: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await prepareTestImage();
  t = await startTestGateway({ embeddedAgent: false, env: { DESKPORT_AGENT_TIMEOUT_S: '3' } });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  host = await startAgent(admin, t.url, `vm-${randomBytes(2).toString('hex')}`, { driver: 'qemu', maxDesktops: 2 });
  const r = await admin.post('/api/v1/admin/pools', {
    name: 'VM test',
    driver: 'qemu',
    protocol: 'vnc',
    image: 'vm-test',
    cpu: 1,
    memoryMb: 256,
  });
  expect(r.status).toBe(201);
  poolId = (r.body as { id: string }).id;
}, 300_000);

afterAll(async () => {
  if (admin) {
    await endLiveSessions(admin);
  }
  await host?.cleanup(); // the agent, then every QEMU it recorded, then its state dir
  await t?.cleanup();
}, 60_000);

async function waitFor(cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(200);
  }
}
const sessionOf = async (id: string) => ((await admin.get(`/api/v1/sessions/${id}`)).body as { session: SessionJson }).session;
const runningVms = async () => {
  const alive = [];
  for (const s of await readAllStates(host.stateDir)) if (await stillRunning({ pid: s.pid, start: s.pidStart })) alive.push(s);
  return alive;
};

/** The banner's blue as the viewer reads it (32 bpp, 0x00RRGGBB): not the black of a BIOS or a blank screen. */
const isBlue = (c: number): boolean => (c & 0xff) > 0x60 && (c & 0xff) > 2 * ((c >> 16) & 0xff) && (c & 0xff) > 2 * ((c >> 8) & 0xff);

/** Share of the screen in its most common colour, and whether that is the console's blue, read through the gateway. */
async function blueShare(sessionId: string): Promise<{ share: number; colours: number; blue: boolean; colour: string }> {
  const v = await RfbViewer.open(t.url, await ticket(admin, sessionId));
  try {
    await v.handshake();
    const { pixels, distinctColours } = await v.capture();
    const counts = new Map<number, number>();
    for (let i = 0; i < pixels.length; i += 4) counts.set(pixels.readUInt32LE(i), (counts.get(pixels.readUInt32LE(i)) ?? 0) + 1);
    const [colour, count] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
    return { share: count / (pixels.length / 4), colours: distinctColours, blue: isBlue(colour), colour: colour.toString(16) };
  } finally {
    v.close();
  }
}

/** The vm-test banner: most of the screen in its blue. */
function expectBanner(screen: { share: number; blue: boolean; colour: string }): void {
  expect(screen, `most common colour ${screen.colour}`).toMatchObject({ blue: true });
  expect(screen.share).toBeGreaterThan(0.8);
}

describe('a VM desktop host (qemu driver, TCG)', () => {
  let session: SessionJson;

  it('launches a VM from a pool and shows its screen through the gateway', async () => {
    const t0 = performance.now();
    session = await launchPool(admin, poolId, 170_000, t.url);
    console.info(`qemu pool launch -> ready (TCG boot included): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(await runningVms()).toHaveLength(1);
    const screen = await blueShare(session.id);
    expectBanner(screen); // the banner screen, not black
    expect(screen.colours).toBeGreaterThan(1); // with text on it
  }, 180_000);

  it("reports the VM's disk: the host's total on the Hosts list and the desktop's on the sessions list", async () => {
    // From the agent's heartbeats (every second here): the overlay's allocated bytes, not its virtual size.
    let hostDisk: { bytes: number; desktops: number } | undefined;
    let sessionDisk: number | undefined;
    await waitFor(async () => {
      const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string; disk?: { bytes: number; desktops: number } }[];
      hostDisk = hosts.find((h) => h.id === host.hostId)?.disk;
      const sessions = (await admin.get('/api/v1/admin/sessions')).body as { id: string; diskBytes?: number }[];
      sessionDisk = sessions.find((s) => s.id === session.id)?.diskBytes;
      // Two requests: a heartbeat may land between them, so wait until both show the desktop.
      return hostDisk?.desktops === 1 && sessionDisk !== undefined;
    });
    const [vm] = await runningVms();
    const allocated = (await stat(vm!.overlay)).blocks * 512;
    expect(sessionDisk).toBeGreaterThan(0);
    expect(sessionDisk).toBeLessThan(64 * 2 ** 20); // a fresh overlay on the base: small, far below the disk's virtual size
    expect(Math.abs(sessionDisk! - allocated)).toBeLessThan(8 * 2 ** 20); // the guest may write a little between the two reads
    expect(hostDisk!.bytes).toBeGreaterThanOrEqual(sessionDisk!);
  }, 60_000);

  it('an agent killed with -9 leaves the VM running and re-adopts it when it restarts', async () => {
    const [before] = await runningVms();
    await host.kill('SIGKILL');
    await waitFor(async () => (await sessionOf(session.id)).state === 'lost');
    expect((await runningVms()).map((s) => s.pid)).toEqual([before?.pid]); // the VM did not die with its agent
    await host.restart(t.url);
    await waitFor(async () => (await sessionOf(session.id)).state === 'ready');
    expectBanner(await blueShare(session.id));
  }, 120_000);

  it('typing reaches the guest: "poweroff" ends the VM, the session ends and nothing is left', async () => {
    const v = await RfbViewer.open(t.url, await ticket(admin, session.id));
    await v.handshake();
    v.type('poweroff\n');
    await waitFor(async () => (await sessionOf(session.id)).state === 'ended', 60_000);
    v.close();
    await waitFor(async () => (await runningVms()).length === 0);
    await waitFor(async () => (await readdir(`${host.stateDir}/qemu`)).length === 0); // the pooled overlay went with it
  }, 120_000);

  it('a VM that crashes (its QEMU killed with -9) ends the session with a reason, and its overlay goes', async () => {
    const crashed = await launchPool(admin, poolId, 170_000, t.url);
    const [vm] = await runningVms();
    expect(vm).toBeDefined();
    const viewer = await RfbViewer.open(t.url, await ticket(admin, crashed.id));
    await viewer.handshake();
    process.kill(-vm!.pid, 'SIGKILL');
    await waitFor(async () => (await sessionOf(crashed.id)).state === 'ended', 60_000);
    // The person is told what happened and what to do.
    expect((await sessionOf(crashed.id)).error).toMatch(/^The desktop stopped\. Launch it again/);
    // The open display is closed (desktop gone, or the session ended), not left hanging on a dead socket.
    await waitFor(async () => viewer.closeInfo !== null, 10_000);
    expect([DisplayClose.DesktopGone, DisplayClose.SessionEnded]).toContain(viewer.closeInfo?.code);
    await waitFor(async () => (await runningVms()).length === 0);
    await waitFor(async () => (await readdir(`${host.stateDir}/qemu`)).length === 0);
    // The person can start again at once: nothing of the crashed VM is in the way.
    const again = await launchPool(admin, poolId, 170_000, t.url);
    expectBanner(await blueShare(again.id));
    expect((await admin.del(`/api/v1/sessions/${again.id}`)).status).toBe(204);
    await waitFor(async () => (await runningVms()).length === 0, 60_000);
  }, 400_000);

  it("an admin's own qcow2 base image (it boots by itself through SeaBIOS, no kernel given) serves a pool, and stays untouched", async () => {
    const dir = await mkdtemp('/tmp/deskport-admin-image-');
    try {
      const base = join(dir, 'base.qcow2');
      await buildBootableTestDisk(base);
      const before = createHash('sha256')
        .update(await readFile(base))
        .digest('hex');
      const r = await admin.post('/api/v1/admin/pools', {
        name: 'Own image',
        driver: 'qemu',
        protocol: 'vnc',
        image: base,
        cpu: 1,
        memoryMb: 256,
      });
      expect(r.status).toBe(201);
      const own = await launchPool(admin, (r.body as { id: string }).id, 170_000, t.url);
      const [vm] = await runningVms();
      expect(vm?.overlay.startsWith(`${host.stateDir}/`)).toBe(true); // the desktop writes to its own overlay
      // No ready line from an image we did not build: ready once QEMU's VNC answers, while the BIOS
      // may still be on the screen; the guest's banner follows.
      let screen = { share: 0, colours: 0, blue: false, colour: '' };
      for (const end = Date.now() + 60_000; !(screen.blue && screen.share > 0.8) && Date.now() < end; await sleep(1000))
        screen = await blueShare(own.id);
      expectBanner(screen);
      expect((await admin.del(`/api/v1/sessions/${own.id}`)).status).toBe(204);
      await waitFor(async () => (await runningVms()).length === 0, 60_000);
      await waitFor(async () => (await readdir(`${host.stateDir}/qemu`)).length === 0);
      expect(
        createHash('sha256')
          .update(await readFile(base))
          .digest('hex'),
      ).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('a warm spare VM is booted ahead: a launch claims it at once, and lowering minWarm stops them all', async () => {
    const r = await admin.post('/api/v1/admin/pools', {
      name: 'VM test (warm)',
      driver: 'qemu',
      protocol: 'vnc',
      image: 'vm-test',
      cpu: 1,
      memoryMb: 256,
      minWarm: 1,
    });
    expect(r.status).toBe(201);
    const warmPool = (r.body as { id: string }).id;
    await waitFor(async () => (await warmSpares()) === 1, 170_000);
    const t0 = performance.now();
    const launched = await admin.post('/api/v1/sessions', { poolId: warmPool });
    const answered = performance.now() - t0;
    expect((launched.body as { session: SessionJson }).session.state).toBe('ready');
    const claimed = (launched.body as { session: SessionJson }).session;
    expectBanner(await blueShare(claimed.id));
    const frame = performance.now() - t0;
    console.info(`qemu warm spare: launch answered ready in ${answered.toFixed(0)} ms, first full frame at ${frame.toFixed(0)} ms`);
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${warmPool}`, { minWarm: 0 })).status).toBe(200);
    expect((await admin.del(`/api/v1/sessions/${claimed.id}`)).status).toBe(204);
    // A replacement spare may have started meanwhile; with minWarm 0 it goes too.
    await waitFor(async () => (await runningVms()).length === 0, 170_000);
    await waitFor(async () => (await readdir(`${host.stateDir}/qemu`)).length === 0);
  }, 400_000);

  it('a personal VM pool: the person snapshots their disk live, restores it once the desktop ended, and every change is audited', async () => {
    const r = await admin.post('/api/v1/admin/pools', {
      name: 'VM test (personal)',
      driver: 'qemu',
      protocol: 'vnc',
      image: 'vm-test',
      cpu: 1,
      memoryMb: 256,
      persistence: 'personal',
    });
    expect(r.status).toBe(201);
    const pool = (r.body as { id: string }).id;
    const base = `/api/v1/pools/${pool}/snapshots`;
    type List = {
      exists: boolean;
      running: boolean;
      hostName: string | null;
      snapshots: { name: string; createdAt: string }[];
      max: number;
    };
    const pools = (await admin.get('/api/v1/pools')).body as { id: string; snapshots?: boolean }[];
    expect(pools.find((p) => p.id === pool)?.snapshots).toBe(true);
    expect(pools.find((p) => p.id === poolId)?.snapshots).toBeUndefined();
    expect((await admin.get(base)).body).toMatchObject({ exists: false, hostName: null, snapshots: [], max: 10 });
    expect(await admin.post(base, { name: 'too early' })).toMatchObject({ status: 409, body: { error: { code: 'no_disk' } } });

    const s1 = await launchPool(admin, pool, 170_000, t.url);
    const taken = await admin.post(base, { name: 'first one' });
    expect(taken.status).toBe(201);
    expect(taken.body as List).toMatchObject({ exists: true, running: true, hostName: host.name, snapshots: [{ name: 'first one' }] });
    expect((await admin.post(base, { name: '../x' })).status).toBe(400);
    expect((await admin.post(base, { name: '1' })).status).toBe(400); // qemu-img would take it for snapshot id 1
    expect(await admin.post(base, { name: 'first one' })).toMatchObject({ status: 409, body: { error: { code: 'snapshot_exists' } } });
    const restore = `${base}/${encodeURIComponent('first one')}/restore`;
    expect(await admin.post(restore, {})).toMatchObject({ status: 409, body: { error: { code: 'session_live' } } });
    expect((await admin.del(`/api/v1/sessions/${s1.id}`)).status).toBe(204);
    await waitFor(async () => (await runningVms()).length === 0, 60_000);
    const restored = await admin.post(restore, {});
    expect(restored).toMatchObject({ status: 200, body: { running: false, snapshots: [{ name: 'first one' }] } });
    // The next desktop boots on the same disk: the snapshot is there, now taken from a running VM's view.
    const s2 = await launchPool(admin, pool, 170_000, t.url);
    expect((await admin.get(base)).body).toMatchObject({ running: true, snapshots: [{ name: 'first one' }] });
    expect((await admin.del(`/api/v1/sessions/${s2.id}`)).status).toBe(204);
    await waitFor(async () => (await runningVms()).length === 0, 60_000);
    expect((await admin.del(`${base}/${encodeURIComponent('first one')}`)).body).toMatchObject({ snapshots: [] });
    expect(await admin.del(`${base}/nope`)).toMatchObject({ status: 404, body: { error: { code: 'snapshot_unknown' } } });
    expect(await admin.get(`/api/v1/pools/${poolId}/snapshots`)).toMatchObject({
      status: 409,
      body: { error: { code: 'not_snapshottable' } },
    });

    const audit = (await admin.get('/api/v1/admin/audit?limit=50')).body as { action: string; result: string }[];
    const changes = audit.filter((e) => e.action.startsWith('disk.snapshot.')).map((e) => `${e.action} ${e.result}`);
    expect(changes).toEqual(
      expect.arrayContaining([
        'disk.snapshot.create ok',
        'disk.snapshot.create failed',
        'disk.snapshot.restore failed',
        'disk.snapshot.restore ok',
        'disk.snapshot.delete ok',
        'disk.snapshot.delete failed',
      ]),
    );
  }, 400_000);
});

async function warmSpares(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/^deskport_warm_spares\{state="running"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}
