// The qemu driver against real QEMU (TCG on this kind of machine) and the real vm-test image: the
// shared driver contract, then what only this driver promises (boot, VncAuth with the desktop's
// secret, no network, a graceful power-off, overlays, clear start-up failures). Cleans up every VM.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { grabColours, vncLogin } from '../../test/helpers/vnc-login.ts';
import { runDriverContract } from '../driver.contract.ts';
import type { DesktopSpec } from '../driver.ts';
import { readCmdline, readProc, stillRunning } from '../process/procfs.ts';
import { createQemuDriver, type QemuDriver } from './driver.ts';
import { pickAccel } from './options.ts';
import { withQmp } from './qmp.ts';
import { personalOverlay, readState, TCG_TB_MIB, writeState } from './vm.ts';
import { prepareTestImage, removeAllVms, tempStateDir } from './testing.ts';

// A TCG boot takes 15-30 s on a busy 2-core machine; every create here waits for it.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const contractDir = await tempStateDir();
const stateDir = await tempStateDir();
beforeAll(prepareTestImage, 300_000);
afterAll(async () => {
  await removeAllVms(contractDir);
  await removeAllVms(stateDir);
});

runDriverContract('qemu', async () => {
  const driver = createQemuDriver({ stateDir: contractDir });
  return { driver, cleanup: () => driver.close() };
});

describe('qemu driver', () => {
  let driver: QemuDriver;
  const spec = (over: Partial<DesktopSpec> = {}): DesktopSpec => ({
    desktopId: `qd-${randomBytes(4).toString('hex')}`,
    secret: randomBytes(9).toString('base64url'),
    persistence: 'pooled',
    ...over,
  });
  const stateOf = async (id: string) => {
    const s = await readState(driver.pathsOf(id));
    if (!s) throw new Error(`no state for ${id}`);
    return s;
  };

  beforeAll(() => {
    driver = createQemuDriver({ stateDir, stopGraceMs: 30_000 });
  });

  it('boots the test image: create resolves once the guest is up, with the pool vCPUs and memory, no network, no TCP', async () => {
    const accel = await pickAccel('auto'); // tcg on this kind of machine (a /dev/kvm without vmx/svm)
    const s = spec({ cpu: 1.5, memoryMb: 384 });
    const t0 = performance.now();
    await driver.create(s);
    console.info(`qemu vm-test create() -> guest up (${accel}): ${(performance.now() - t0).toFixed(0)} ms`);
    const st = await stateOf(s.desktopId);
    expect(st).toMatchObject({ accel, persistence: 'pooled', image: 'vm-test' });
    const argv = await readCmdline(st.pid);
    const arg = (flag: string): string | undefined => argv[argv.indexOf(flag) + 1];
    expect([arg('-smp'), arg('-m'), arg('-nic'), arg('-accel')]).toEqual([
      '2',
      '384',
      'none',
      accel === 'tcg' ? `tcg,tb-size=${TCG_TB_MIB}` : 'kvm',
    ]);
    expect(arg('-vnc')).toBe(`unix:${driver.pathsOf(s.desktopId).vnc},password=on`);
    expect(argv).not.toContain(s.secret);
    expect((await readProc(st.pid))?.pgid).toBe(st.pid); // its own process group, not the agent's
    const kvm = await withQmp(driver.pathsOf(s.desktopId).qmp, (q) => q.execute('query-kvm'));
    expect(kvm).toMatchObject({ enabled: accel === 'kvm' });
    await driver.destroy(s.desktopId);
  });

  it('as root: each QEMU switches to a uid of its own with no capabilities once started (-runas)', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test runs as root (as CI does): QEMU can only switch user from root');
    const [a, b] = [spec(), spec()];
    await Promise.all([driver.create(a), driver.create(b)]);
    const [sa, sb] = [await stateOf(a.desktopId), await stateOf(b.desktopId)];
    for (const st of [sa, sb]) {
      expect(st.uid).toBeGreaterThanOrEqual(2_090_000_000);
      const status = await readFile(`/proc/${st.pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)!.slice(1).map(Number)).toEqual([st.uid, st.uid, st.uid]);
      expect(/^Gid:\s+(\d+)/m.exec(status)![1]).toBe(String(st.uid));
      expect(/^CapEff:\s+(\w+)/m.exec(status)![1]).toBe('0000000000000000');
      expect((await readCmdline(st.pid)).join(' ')).toContain(`-runas ${st.uid}:${st.uid}`);
    }
    expect(sa.uid).not.toBe(sb.uid);
    // Still a working desktop: the screen answers VncAuth through the agent's (root's) socket.
    const session = await vncLogin(await driver.openStream(a.desktopId), a.secret);
    session.socket.destroy();
    await Promise.all([driver.destroy(a.desktopId), driver.destroy(b.desktopId)]);
  });

  it("a restricted network: the guest gets a virtio NIC and a DHCP lease on QEMU's isolated user-mode network", async () => {
    const s = spec({ network: 'restricted' });
    await driver.create(s);
    const st = await stateOf(s.desktopId);
    const argv = await readCmdline(st.pid);
    expect(argv[argv.indexOf('-netdev') + 1]).toBe('user,id=net0,restrict=on,ipv6=off');
    expect(argv).not.toContain('-nic');
    const consoleFile = driver.pathsOf(s.desktopId).console;
    await vi.waitFor(async () => expect(await readFile(consoleFile, 'utf8')).toContain('deskport-vm-test: network eth0 10.0.2.15'), {
      timeout: 60_000,
      interval: 250,
    });
    await driver.destroy(s.desktopId);
  });

  it("accepts only the desktop's secret over VncAuth and shows the image's blue banner screen", async () => {
    const s = spec();
    await driver.create(s);
    const session = await vncLogin(await driver.openStream(s.desktopId), s.secret);
    expect([session.width, session.height]).toEqual([1024, 768]);
    const colours = await grabColours(session);
    session.socket.destroy();
    const total = 1024 * 768;
    expect(colours.get(0x0000aa) ?? 0).toBeGreaterThan(total * 0.8); // the console's blue, not a black screen
    expect(colours.get(0xffffff) ?? 0).toBeGreaterThan(1_000); // the banner's white text
    const wrong = await driver.openStream(s.desktopId);
    await expect(vncLogin(wrong, 'not-the-secret')).rejects.toThrow(/VncAuth failed|stream ended/);
    wrong.destroy();
    await expect(driver.openStream(s.desktopId, 'rdp')).rejects.toMatchObject({ code: 'unsupported_channel' });
    await expect(driver.openStream(s.desktopId, 'audio')).rejects.toMatchObject({ code: 'sound_unavailable' });
    await driver.destroy(s.desktopId);
  });

  it('pooled: destroy quits QEMU and removes the overlay and every file', async () => {
    const s = spec();
    await driver.create(s);
    const p = driver.pathsOf(s.desktopId);
    const st = await stateOf(s.desktopId);
    expect((await stat(p.pooledOverlay)).isFile()).toBe(true);
    const t0 = performance.now();
    await driver.destroy(s.desktopId);
    console.info(`qemu pooled destroy: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(await stillRunning({ pid: st.pid, start: st.pidStart })).toBeNull();
    await expect(stat(p.dir)).rejects.toThrow(/ENOENT/);
  });

  it("personal: destroy presses the power button, the guest powers off by itself, and the person's disk is kept for the next desktop", async () => {
    const homeKey = `user-${randomBytes(3).toString('hex')}`;
    const first = spec({ persistence: 'personal', homeKey });
    await driver.create(first);
    const disk = personalOverlay(stateDir, homeKey);
    expect((await stateOf(first.desktopId)).overlay).toBe(disk);
    await expect(driver.create(spec({ persistence: 'personal', homeKey }))).rejects.toThrow(/held by desktop/);
    const t0 = performance.now();
    await driver.destroy(first.desktopId);
    const ms = performance.now() - t0;
    console.info(`qemu personal destroy (ACPI power-off): ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(30_000); // well inside the grace: the guest, not QMP quit, ended it
    expect((await stat(disk)).isFile()).toBe(true);

    const second = spec({ persistence: 'personal', homeKey });
    await driver.create(second);
    expect((await stateOf(second.desktopId)).overlay).toBe(disk);
    await driver.destroy(second.desktopId);
  });

  it('a VM killed behind its back is reported stopped, refuses streams, and destroy cleans it up', async () => {
    const s = spec();
    await driver.create(s);
    const st = await stateOf(s.desktopId);
    process.kill(-st.pid, 'SIGKILL');
    for (let i = 0; i < 100 && (await stillRunning({ pid: st.pid, start: st.pidStart })); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await driver.inspect(s.desktopId)).toMatchObject({ state: 'stopped' });
    await expect(driver.openStream(s.desktopId)).rejects.toThrow(/not running/);
    await driver.destroy(s.desktopId);
    expect(await driver.inspect(s.desktopId)).toBeNull();
    await expect(stat(driver.pathsOf(s.desktopId).dir)).rejects.toThrow(/ENOENT/);
  });

  it('a VM whose create died with an earlier agent (state still starting) is stopped, and a new create starts it afresh', async () => {
    const s = spec();
    await driver.create(s);
    const st = await stateOf(s.desktopId);
    expect(st.starting).toBeUndefined(); // a finished create clears it
    // As an agent killed mid-create leaves it: QEMU runs, the state says it never became ready.
    await writeState(driver.pathsOf(s.desktopId), { ...st, starting: true });
    const later = createQemuDriver({ stateDir });
    expect(await later.inspect(s.desktopId)).toMatchObject({ state: 'stopped' });
    await expect(later.openStream(s.desktopId)).rejects.toThrow(/not running/);
    // The broker's retry of that create (same id and secret) gets a new VM, not the half-made one.
    await later.create(s);
    const fresh = await stateOf(s.desktopId);
    expect(fresh.pid).not.toBe(st.pid);
    expect(await stillRunning({ pid: st.pid, start: st.pidStart })).toBeNull();
    expect(await later.inspect(s.desktopId)).toMatchObject({ state: 'running' });
    await later.destroy(s.desktopId);
    await later.close();
  });

  it('create is idempotent for the same secret and refuses another secret', async () => {
    const s = spec();
    const h = await driver.create(s);
    expect(await driver.create(s)).toEqual(h);
    await expect(driver.create({ ...s, secret: 'different-secret' })).rejects.toThrow(/another secret/);
    await driver.destroy(s.desktopId);
  });

  describe('failures end in a clear error and leave no process, overlay or file', () => {
    const ls = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);
    const leftovers = async (): Promise<string[]> => [
      ...(await ls(`${stateDir}/qemu`)),
      ...(await ls(`${stateDir}/qemu-disks`)).map((d) => `qemu-disks/${d}`),
    ];
    let before: string[] = [];
    beforeAll(async () => {
      before = await leftovers();
    });

    it('a missing base image', async () => {
      const s = spec({ image: `${stateDir}/no-such-base.qcow2` });
      await expect(driver.create(s)).rejects.toThrow(`base image ${stateDir}/no-such-base.qcow2 not found on this host`);
      expect(await driver.inspect(s.desktopId)).toBeNull();
      expect(await leftovers()).toEqual(before);
    });

    it('an image that was never built here', async () => {
      const bare = createQemuDriver({ stateDir, imageRoot: `${stateDir}/empty-image-root` });
      await expect(bare.create(spec())).rejects.toThrow(
        /^VM image vm-test is not built on this host: run bin\/deskport image build --kind vm-test$/,
      );
      await expect(bare.create(spec({ image: 'vm' }))).rejects.toThrow(
        /^VM image vm is not built on this host: run bin\/deskport image build --kind vm$/,
      );
      await expect(bare.create(spec({ image: 'vm-desktop' }))).rejects.toThrow(/^unknown VM image "vm-desktop": use vm, vm-test or/);
      expect(await leftovers()).toEqual(before);
    });

    it('a corrupt base image (qemu-img refuses it), for a personal disk too', async () => {
      const base = `${stateDir}/corrupt.qcow2`;
      await writeFile(base, randomBytes(4096));
      await expect(driver.create(spec({ image: base }))).rejects.toThrow(
        /^could not create the VM disk on base image \/tmp\/\S+\/corrupt\.qcow2: qemu-img create failed: .*Image is not in qcow2 format/,
      );
      await expect(driver.create(spec({ image: base, persistence: 'personal', homeKey: 'corrupt-user' }))).rejects.toThrow(
        /could not create the VM disk/,
      );
      expect(await leftovers()).toEqual(before);
    });

    it('QEMU exits at start (guest memory it cannot allocate): its own message, nothing left', async () => {
      const s = spec({ memoryMb: 1_048_576 }); // 1 TiB: far beyond this host, refused by the kernel at once
      await expect(driver.create(s)).rejects.toThrow(/QEMU exited at start[\s\S]*qemu log[\s\S]*cannot set up guest memory/);
      expect(await driver.inspect(s.desktopId)).toBeNull();
      expect(await leftovers()).toEqual(before);
    });

    it('a guest that does not come up in time: the deadline error, nothing left', async () => {
      const impatient = createQemuDriver({ stateDir, startTimeoutMs: 1_500 });
      const s = spec();
      await expect(impatient.create(s)).rejects.toThrow(/did not finish booting|no RFB banner/);
      expect(await leftovers()).toEqual(before);
    });

    it('a full disk while creating the overlay (a 64 KiB tmpfs as the state dir)', async () => {
      const small = await tempStateDir();
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'deskport-test', small]);
      try {
        const cramped = createQemuDriver({ stateDir: small });
        const s = spec();
        await expect(cramped.create(s)).rejects.toThrow(
          /^could not create the VM disk on base image vm-test: qemu-img create failed: .*No space left on device/,
        );
        expect(await readdir(`${small}/qemu`)).toEqual([]);
        expect(await readdir(`${small}/qemu-disks`)).toEqual([]);
      } finally {
        execFileSync('umount', [small]);
        await rm(small, { recursive: true, force: true });
      }
    });

    it('an aborted create rejects with the abort reason at any point and leaves nothing', async () => {
      for (const afterMs of [0, 300, 3_000]) {
        const s = spec();
        const ac = new AbortController();
        const pending = driver.create(s, ac.signal);
        setTimeout(() => ac.abort(new Error('caller gave up')), afterMs);
        await expect(pending).rejects.toThrow(/caller gave up/);
        expect(await driver.inspect(s.desktopId)).toBeNull();
        expect(await leftovers()).toEqual(before);
      }
    });

    it('an rdp spec on the test image (VNC only) is refused before anything is made', async () => {
      const s = spec({ protocol: 'rdp' });
      await expect(driver.create(s)).rejects.toThrow(/image vm-test serves VNC only/);
      expect(await stat(driver.pathsOf(s.desktopId).dir).catch(() => null)).toBeNull();
    });
  });
});
