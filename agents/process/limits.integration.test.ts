// Resource limits of process desktops on real desktops, for the mechanism this host offers (auto) and
// for the rlimit fallback: a desktop cannot exceed its process count or memory, and a fork bomb in
// one desktop leaves a second desktop and the gateway (this test process) serving.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessDriver, type ProcessDriver } from './driver.ts';
import { layout, readState, type DesktopState } from './layout.ts';
import type { ProcessDriverOptions } from './options.ts';
import { listProcs } from './procfs.ts';
import { grabColours, vncLogin } from '../../test/helpers/vnc-login.ts';
import { removeAllDesktops, tempDataDir } from './testing.ts';

if (process.getuid?.() !== 0) throw new Error('the limits tests must run as root (a uid per desktop)');

const PIDS = 64;
const MEMORY_MB = 256;

describe.each<[string, Partial<ProcessDriverOptions>]>([
  ['the best mechanism of this host', {}],
  ['rlimits and nice', { resourceLimits: 'rlimit' }],
])('resource limits: %s', (_label, extra) => {
  let dataDir: string;
  let driver: ProcessDriver;
  let a: DesktopState;
  const inA = (script: string, timeoutMs = 20_000) => driver.runInDesktop('lim-a', ['bash', '-c', script], { timeoutMs });
  const uidCount = async (uid: number): Promise<number> => (await listProcs()).filter((p) => p.uid === uid).length;

  /** B answers a whole RFB handshake and a full framebuffer update; returns how long that took. */
  const bServes = async (): Promise<number> => {
    const t0 = performance.now();
    const session = await vncLogin(await driver.openStream('lim-b'), 'lim-b-secret');
    const colours = await grabColours(session);
    session.socket.destroy();
    expect([...colours.values()].reduce((x, y) => x + y, 0)).toBe(session.width * session.height);
    return performance.now() - t0;
  };

  beforeAll(async () => {
    dataDir = await tempDataDir();
    driver = createProcessDriver({ dataDir, pidsLimit: PIDS, ...extra });
    for (const id of ['lim-a', 'lim-b'])
      await driver.create({ desktopId: id, secret: `${id}-secret`, persistence: 'pooled', memoryMb: MEMORY_MB, width: 800, height: 600 });
    a = (await readState(layout(dataDir), 'lim-a')) as DesktopState;
  });
  afterAll(() => removeAllDesktops(dataDir));

  it('records its limits: the pool memory and the pids default', () => {
    expect(a.limits).toMatchObject({ pids: PIDS, memoryBytes: MEMORY_MB * 2 ** 20, cpu: null });
    expect(a.limits?.mechanism).toEqual(extra.resourceLimits === 'rlimit' ? 'rlimit' : expect.stringMatching(/^cgroup[12]$/));
  });

  it('cannot run more processes than its limit', async () => {
    // dash gives up at the first failed fork (bash would retry for seconds); one 'x' per started sleep.
    const r = await inA(`sh -c 'i=0; while [ $i -lt 100 ]; do sleep 60 >/dev/null 2>&1 & i=$((i+1)); echo x; done' 2>&1`);
    const started = (r.stdout.match(/^x$/gm) ?? []).length;
    expect(started).toBeGreaterThan(10);
    expect(started).toBeLessThan(PIDS);
    expect(r.stdout).toMatch(/Cannot fork|Resource temporarily unavailable/);
  });

  it('cannot hold more memory than the pool gives it', async () => {
    // tail buffers a whole "line" of 600 MiB of zeros: more than the desktop may use.
    const r = await inA('head -c 600M /dev/zero | tail -n 1 | wc -c');
    expect(r.stdout.trim()).not.toBe(String(600 * 2 ** 20));
    expect(await bServes()).toBeLessThan(5_000);
  });

  it('a fork bomb in one desktop leaves the other desktop and the gateway serving, and destroy ends it', async () => {
    expect(a.limits).toBeDefined(); // never let a bomb loose without limits
    const bomb = inA(':(){ :|:& };:; sleep 30', 30_000);
    // Wait until the bomb fills the desktop (its uid runs near the limit), then measure.
    for (
      const deadline = Date.now() + 10_000;
      Date.now() < deadline && (await uidCount(a.uid)) < PIDS / 2;
      await new Promise((r) => setTimeout(r, 50))
    );
    expect(await uidCount(a.uid)).toBeGreaterThanOrEqual(PIDS / 2);
    const times = [await bServes(), await bServes(), await bServes()];
    const t0 = performance.now();
    await promisify(execFile)('/bin/true'); // the gateway can still fork and exec
    const spawnMs = performance.now() - t0;
    console.info(
      `during the bomb (${await uidCount(a.uid)} processes in A): B handshake+frame ${times.map((t) => t.toFixed(0)).join(', ')} ms; spawn ${spawnMs.toFixed(0)} ms`,
    );
    expect(Math.max(...times)).toBeLessThan(3_000);
    expect(spawnMs).toBeLessThan(1_000);
    await driver.destroy('lim-a');
    await bomb.catch(() => undefined);
    expect(await uidCount(a.uid)).toBe(0);
    for (const dir of a.limits?.cgroups ?? []) await expect(access(dir)).rejects.toThrow(/ENOENT/);
    expect(await bServes()).toBeLessThan(3_000);
  });
});
