// The `qemu` driver: one QEMU process per desktop (its own process group, outliving the agent), a
// qcow2 overlay on a read-only base image, no guest network, VNC on a unix socket with the desktop's
// secret set over QMP. RDP VMs instead serve the guest's RDP through a user-mode forward on the host's
// loopback, with the guest login set to the desktop's secret through QEMU's guest agent. A restarted
// agent re-adopts VMs from their state files. See docs/qemu.md.
import { createDesktopQueue } from '../desktop-queue.ts';
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { waitForBanner } from '../banner.ts';
import { dialSocket } from '../docker/banner.ts';
import type { DesktopDriver, DesktopHandle, DesktopSpec, ProgressFn } from '../driver.ts';
import { DESKTOP_ID } from '../process/options.ts';
import { pickUid } from '../process/allocate.ts';
import { listProcs, readProc, sleep, stillRunning, type ProcRef } from '../process/procfs.ts';
import { isVmKind, rdpRefusal, resolveBootImage } from './images.ts';
import { checkQemuSpec, pickAccel, resolveOptions, vcpusOf, type QemuDriverOptions } from './options.ts';
import { withQmp } from './qmp.ts';
import { rdpReady } from './rdp.ts';
import { snapshotOp } from './snapshots.ts';
import {
  diskUsageOf,
  hashSecret,
  personalOverlay,
  prepareStateDir,
  qemuArgs,
  readAllStates,
  readState,
  sameSecret,
  vmPaths,
  writeState,
} from './vm.ts';
import type { VmPaths, VmState } from './vm.ts';

export interface QemuDriver extends DesktopDriver {
  readonly name: 'qemu';
  /** A desktop's files (for tests and diagnostics). */
  pathsOf(desktopId: string): VmPaths;
}

/** A connected socket to QEMU's forward on the host's loopback. */
function dialPort(port: number, timeoutMs = 5_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error(`connect to 127.0.0.1:${port} timed out`)), timeoutMs);
    socket.once('connect', () => (clearTimeout(timer), resolve(socket)));
    socket.once('error', (err) => (clearTimeout(timer), reject(err)));
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/** QEMU run states (query-status) in which the guest is gone for good although the process lives. */
const DEAD_STATUSES = new Set(['shutdown', 'guest-panicked', 'internal-error', 'io-error']);

export function createQemuDriver(options: QemuDriverOptions): QemuDriver {
  const o = resolveOptions(options);
  const ready = prepareStateDir(o.stateDir);
  ready.catch((err: Error) => o.log.error({ stateDir: o.stateDir, err: err.message }, 'qemu driver cannot prepare its state dir'));
  const accel = pickAccel(o.accel);
  const q = createDesktopQueue();
  const { creating, serial } = q;
  let closed = false;
  const paths = (id: string): VmPaths => vmPaths(o.stateDir, id);
  const refOf = (s: VmState): ProcRef => ({ pid: s.pid, start: s.pidStart });

  async function waitExit(ref: ProcRef, ms: number): Promise<boolean> {
    for (const deadline = Date.now() + ms; ; await sleep(50)) {
      if (!(await stillRunning(ref))) return true;
      if (Date.now() >= deadline) return false;
    }
  }

  /** Stops QEMU: the ACPI power button first for a personal desktop (its disk is kept), then QMP quit,
   *  then SIGKILL to its process group. Resolves once the process is gone. */
  async function stopVm(s: VmState, p: VmPaths, graceful: boolean): Promise<void> {
    const ref = refOf(s);
    if (!(await stillRunning(ref))) return;
    if (graceful && o.stopGraceMs > 0) {
      await withQmp(p.qmp, (q) => q.execute('system_powerdown')).catch(() => undefined);
      if (await waitExit(ref, o.stopGraceMs)) return;
      o.log.warn({ desktopId: s.desktopId }, 'the guest did not power off in time; quitting QEMU');
    }
    await withQmp(p.qmp, (q) => q.execute('quit')).catch(() => undefined);
    if (await waitExit(ref, 3_000)) return;
    if (await stillRunning(ref)) killGroup(s.pid); // checked: still our QEMU, the group leader
    if (!(await waitExit(ref, 5_000))) throw new Error(`QEMU of desktop ${s.desktopId} (pid ${s.pid}) survived SIGKILL`);
  }

  async function stateOf(s: VmState): Promise<DesktopHandle['state']> {
    if (!(await stillRunning(refOf(s)))) return 'stopped';
    if (s.starting && !creating.has(s.desktopId)) return 'stopped'; // its create died with an earlier agent
    const status = await withQmp(paths(s.desktopId).qmp, (q) => q.execute('query-status'), 2_000).catch(() => null);
    const name = (status as { status?: unknown } | null)?.status;
    // No answer (QMP busy with another client) is not proof of death: the process is alive.
    return typeof name === 'string' && DEAD_STATUSES.has(name) ? 'stopped' : 'running';
  }

  const handleOf = async (s: VmState): Promise<DesktopHandle> => ({
    desktopId: s.desktopId,
    state: await stateOf(s),
    startedAt: s.startedAt,
  });

  async function tail(file: string, bytes = 2_000): Promise<string> {
    const text = await readFile(file, 'latin1').catch(() => '');
    return text.slice(-bytes).trim();
  }

  async function qemuImg(args: string[]): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(o.qemuImgBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-1_000)));
      child.once('error', (e) => reject(new Error(`${o.qemuImgBinary} could not run (${e.message}): run bash infra/setup.sh`)));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`qemu-img ${args[0]} failed: ${err.trim()}`))));
    });
  }

  /** uids handed out by creates still starting (their state files are not written yet). */
  const pendingUids = new Set<number>();
  /** As root: a uid no recorded VM and no process on the host has, held until the create ends.
   *  Not root: undefined (QEMU cannot switch user; it runs as the agent's user). */
  async function vmUid(): Promise<number | undefined> {
    if (process.getuid?.() !== 0) return undefined;
    const recorded = (await readAllStates(o.stateDir)).flatMap((s) => (s.uid === undefined ? [] : [s.uid]));
    const procs = (await listProcs()).map((proc) => proc.uid);
    // From here to the add, nothing awaits: two creates at once never pick the same uid.
    const uid = pickUid({ base: o.uidBase, count: o.uidCount, taken: new Set([...pendingUids, ...recorded, ...procs]) });
    pendingUids.add(uid);
    return uid;
  }

  /** Starts QEMU in its own process group with stdout/stderr to qemu.log; resolves its pid once it exists. */
  async function launch(args: string[], p: VmPaths): Promise<ProcRef> {
    const log = await open(p.log, 'a', 0o600);
    try {
      const child = spawn(o.qemuBinary, args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
      const pid = await new Promise<number>((resolve, reject) => {
        if (child.pid) return resolve(child.pid);
        child.once('error', (e) => reject(new Error(`${o.qemuBinary} could not run (${e.message}): run bash infra/setup.sh`)));
      });
      child.unref(); // the VM outlives this agent; Node still reaps it while we run
      const info = await readProc(pid);
      return { pid, start: info?.start ?? -1 };
    } finally {
      await log.close();
    }
  }

  /** Waits for a line on the serial console (reading only its last 64 KiB each time). */
  async function waitForMarker(file: string, marker: string, until: number, ref: ProcRef, signal?: AbortSignal): Promise<string | null> {
    for (;;) {
      if (signal?.aborted) return 'aborted';
      const fh = await open(file, 'r').catch(() => null);
      if (fh) {
        const { size } = await fh.stat();
        const len = Math.min(size, 65_536);
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, size - len);
        await fh.close();
        if (buf.includes(marker)) return null;
      }
      if (!(await stillRunning(ref))) return 'QEMU exited while the guest was booting';
      if (Date.now() >= until) return `the guest did not finish booting (no "${marker}" on its console) in time`;
      await sleep(200);
    }
  }

  async function createOnce(spec: DesktopSpec, signal?: AbortSignal, progress?: ProgressFn): Promise<DesktopHandle> {
    const p = paths(spec.desktopId);
    const existing = await readState(p);
    if (existing && (await stillRunning(refOf(existing)))) {
      if (existing.starting) {
        // Its create died with an earlier agent: it was never ready. Start over.
        killGroup(existing.pid);
        await waitExit(refOf(existing), 5_000);
      } else {
        // A retried create (say, after a lost reply) gets the same desktop; another secret is a conflict.
        if (!sameSecret(existing.secretHash, spec.secret)) throw new Error(`desktop ${spec.desktopId} already exists with another secret`);
        return { desktopId: spec.desktopId, state: 'running', startedAt: existing.startedAt };
      }
    }
    await rm(p.dir, { recursive: true, force: true }); // a dead leftover under this id
    const image = await resolveBootImage(spec.image ?? o.image, o.imageRoot);
    const rdp = spec.protocol === 'rdp';
    if (spec.persistence === 'personal') {
      const others = (await readAllStates(o.stateDir)).filter((s) => s.homeKey === spec.homeKey && s.desktopId !== spec.desktopId);
      for (const s of others)
        if (await stillRunning(refOf(s)))
          throw new Error(`personal disk ${JSON.stringify(spec.homeKey)} is held by desktop ${s.desktopId}; destroy it first`);
    }
    signal?.throwIfAborted();

    const t0 = Date.now();
    const overlay = spec.persistence === 'personal' ? personalOverlay(o.stateDir, spec.homeKey ?? '') : p.pooledOverlay;
    let newOverlay = false;
    let ref: ProcRef | undefined;
    let uid: number | undefined;
    try {
      await mkdir(p.dir, { mode: 0o700 });
      progress?.('creating', 'Creating the VM disk…');
      if (!(await stat(overlay).catch(() => null))) {
        newOverlay = true;
        await qemuImg(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.disk, overlay]).catch((err: Error) =>
          Promise.reject(new Error(`could not create the VM disk on base image ${image.name}: ${err.message.replace(/\s+/g, ' ')}`)),
        );
      }
      const acc = await accel;
      uid = await vmUid();
      const args = qemuArgs({
        desktopId: spec.desktopId,
        image,
        overlay,
        paths: p,
        accel: acc,
        cpus: vcpusOf(spec.cpu, o.cpus),
        memoryMb: spec.memoryMb ?? o.memoryMb,
        ...(spec.width && spec.height ? { width: spec.width, height: spec.height } : {}),
        ...(spec.network ? { network: spec.network } : {}),
        ...(uid !== undefined ? { runAs: uid } : {}),
        ...(rdp ? { rdp } : {}),
      });
      progress?.('starting', 'Starting the VM…');
      ref = await launch(args, p);
      const started = ref;
      const state: VmState = {
        desktopId: spec.desktopId,
        pid: started.pid,
        pidStart: started.start,
        startedAt: t0,
        persistence: spec.persistence,
        ...(spec.homeKey !== undefined ? { homeKey: spec.homeKey } : {}),
        overlay,
        image: image.name,
        accel: acc,
        ...(uid !== undefined ? { uid } : {}),
        secretHash: hashSecret(spec.secret),
        ...(rdp ? { protocol: 'rdp' as const } : {}),
        starting: true,
      };
      await writeState(p, state);
      const until = t0 + o.startTimeoutMs;
      const exited = async (): Promise<string | null> => ((await stillRunning(started)) ? null : 'QEMU exited at start');
      const vnc = async (): Promise<string | null> =>
        (await waitForBanner({ path: p.vnc }, { timeoutMs: Math.max(1, until - Date.now()), signal, gaveUp: exited })) ??
        // VNC answers before the secret is set, but refuses every password until it is.
        (await withQmp(p.qmp, (q) => q.execute('set_password', { protocol: 'vnc', password: spec.secret })).then(
          () => null,
          (err: Error) => `could not set the VNC password: ${err.message}`,
        )) ??
        (o.waitForGuest && image.readyMarker
          ? (progress?.('waiting_display', 'Booting the VM…'), await waitForMarker(p.console, image.readyMarker, until, started, signal))
          : null);
      const wait = { until, timeoutMs: o.startTimeoutMs, gaveUp: exited, ...(signal ? { signal } : {}) };
      const failure = rdp
        ? (progress?.('waiting_display', 'Booting the VM…'), await rdpReady(o.log, spec, p, state, wait, isVmKind(image.name)))
        : await vnc();
      signal?.throwIfAborted();
      if (failure) {
        const log = await tail(p.log);
        const consoleTail = await tail(p.console, 600);
        throw new Error(
          `desktop ${spec.desktopId}: ${failure}${log ? `\n--- qemu log (tail) ---\n${log}` : ''}${consoleTail ? `\n--- guest console (tail) ---\n${consoleTail}` : ''}`,
        );
      }
      const { starting: _, ...ready } = state;
      await writeState(p, ready); // from now on a restarted agent re-adopts it
      o.log.info(
        {
          desktopId: spec.desktopId,
          pid: started.pid,
          uid,
          accel: acc,
          image: image.name,
          protocol: rdp ? 'rdp' : 'vnc',
          ms: Date.now() - t0,
        },
        'VM started',
      );
      return { desktopId: spec.desktopId, state: 'running', startedAt: t0 };
    } catch (err) {
      // Nothing worth a graceful stop yet. A person's disk stays unless this attempt made it.
      if (ref && (await stillRunning(ref))) {
        killGroup(ref.pid);
        await waitExit(ref, 5_000);
      }
      await rm(p.dir, { recursive: true, force: true }).catch(() => undefined);
      if (newOverlay) await rm(overlay, { force: true }).catch(() => undefined);
      throw err;
    } finally {
      if (uid !== undefined) pendingUids.delete(uid); // recorded in state.json by now, or not in use
    }
  }

  return {
    name: 'qemu',
    networks: ['restricted'],
    pathsOf: paths,

    async create(spec, signal, progress) {
      if (closed) throw new Error('qemu driver is closed');
      checkQemuSpec(spec);
      const refusal = spec.protocol === 'rdp' ? rdpRefusal(spec.image ?? o.image) : null;
      if (refusal) throw new Error(`invalid desktop spec: ${refusal}`);
      signal?.throwIfAborted();
      await ready;
      return q.create(spec, () => createOnce(spec, signal, progress), true); // per person too: one holder check at a time
    },

    async destroy(desktopId) {
      if (typeof desktopId !== 'string' || !DESKTOP_ID.test(desktopId)) return; // cannot name one of ours
      await serial(desktopId, async () => {
        const p = paths(desktopId);
        const s = await readState(p);
        if (s) await stopVm(s, p, s.persistence === 'personal');
        await rm(p.dir, { recursive: true, force: true }); // the pooled overlay is in it
      });
    },

    async inspect(desktopId) {
      if (typeof desktopId !== 'string' || !DESKTOP_ID.test(desktopId) || creating.has(desktopId)) return null;
      const s = await readState(paths(desktopId));
      return s ? handleOf(s) : null;
    },

    async list() {
      const states = (await readAllStates(o.stateDir)).filter((s) => !creating.has(s.desktopId));
      return Promise.all(states.map(handleOf));
    },

    async openStream(desktopId, channel = 'vnc'): Promise<Socket> {
      const s = creating.has(desktopId) || !DESKTOP_ID.test(desktopId) ? null : await readState(paths(desktopId));
      if (!s || (await stateOf(s)) !== 'running') throw new Error(`desktop ${desktopId} is not running`);
      if (channel === 'audio')
        throw Object.assign(new Error(`desktop ${desktopId} has no sound (VM desktops have none yet)`), { code: 'sound_unavailable' });
      const serves = s.protocol ?? 'vnc';
      if (channel !== serves)
        throw Object.assign(
          new Error(`desktop ${desktopId} serves ${serves}, not ${channel === 'rdp' || channel === 'vnc' ? channel : 'unknown'}`),
          {
            code: 'unsupported_channel',
          },
        );
      if (serves === 'vnc') return dialSocket(paths(desktopId).vnc);
      if (s.rdpPort === undefined) throw new Error(`desktop ${desktopId} is still starting`);
      return dialPort(s.rdpPort);
    },

    snapshots(homeKey, op, name) {
      if (closed) return Promise.reject(new Error('qemu driver is closed'));
      // On the person's queue: never beside a create of their desktop (which could start on the disk mid-restore).
      return q.serial(`home:${homeKey}`, () => snapshotOp({ stateDir: o.stateDir, qemuImgBinary: o.qemuImgBinary }, homeKey, op, name));
    },

    async diskUsage() {
      const usage = await diskUsageOf(o.stateDir);
      return { bytes: usage.bytes, desktops: usage.desktops.filter((d) => !creating.has(d.desktopId)) };
    },

    async close() {
      closed = true; // VMs keep running; a new driver re-adopts them from their state files
    },
  };
}
