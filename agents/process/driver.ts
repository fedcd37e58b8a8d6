// The `process` driver: each desktop is Xvnc (or, for protocol 'rdp', Xorg + xorgxrdp + xrdp: rdp.ts) + openbox + xterm on this host, detached so it outlives
// the agent, and re-adopted from its state file by the next driver instance.
// Isolation, as root: its own uid per desktop AND every program in a bubblewrap sandbox.
//
// Why both (measured here, see README.md in this folder): a uid alone leaves everything
// world-readable on the host readable, and the shared /tmp and X sockets reachable; bwrap alone
// would run desktops as root. Together: a desktop sees /usr, /etc, /opt read-only, its own /tmp and
// home, a private /proc (pid namespace), no network (by default) and no data dir at all; X needs its
// cookie. bwrap does not get in the way of survival or kill: each program is spawned detached (own
// session), and SIGKILL to a sandbox's pid 1 ends everything inside its pid namespace.
import { createDesktopQueue } from '../desktop-queue.ts';
import { connect, type Socket } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import type { DesktopDriver, DesktopHandle, ProgressFn } from '../driver.ts';
import type { FileHome } from '../files/home-fs.ts';
import { layout, prepareRoot, readAllStates, readState, type DesktopState } from './layout.ts';
import { checkSpec, DESKTOP_ID, resolveOptions, type ProcessDriverOptions } from './options.ts';
import { createRuntime, isRunning, jailFor, teardown } from './runtime.ts';
import { command, desktopEnv, runOnce, type RunResult } from './sandbox.ts';
import { vncPasswordFile } from './secret-files.ts';
import { createRdpSound } from './rdp-sound.ts';
import { openCapture } from './sound.ts';
import { DisplayClash, startDesktop } from './start.ts';

export interface ProcessDriver extends DesktopDriver {
  readonly name: 'process';
  /** Runs argv inside a running desktop exactly as its own programs run (same uid, sandbox, clean
   *  env, DISPLAY and cookie). For tests and diagnostics; never fed user input by the agent. */
  runInDesktop(desktopId: string, argv: string[], opts?: { timeoutMs?: number }): Promise<RunResult>;
  fileHome(desktopId: string): Promise<FileHome>;
}

/** Validates options at once (throws on bad ones); the data dir is prepared in the background and
 *  every call waits for it. A missing program fails create(), not start-up: a gateway without Xvnc
 *  still starts and can say why it has no desktops. */
export function createProcessDriver(options: ProcessDriverOptions): ProcessDriver {
  const o = resolveOptions(options);
  const L = layout(o.dataDir);
  const rt = createRuntime(o, L);
  const rdpSound = createRdpSound({ L, log: o.log }); // RDP desktops' sound, while a client is connected
  const ready = prepareRoot(L).then(async () => {
    const b = await rt.limits;
    o.log.info({ mechanism: b.mechanism, reason: b.reason || undefined, pidsLimit: o.pidsLimit }, 'process driver resource limits');
  });
  ready.catch((err: Error) => o.log.error({ dataDir: o.dataDir, err: err.message }, 'process driver cannot prepare its data dir'));
  if (!rt.isRoot)
    o.log.warn({ uid: process.getuid?.() }, 'process driver not running as root: desktops run as this user, isolation is reduced');
  if (o.sandbox === 'none') o.log.warn({}, 'process driver sandbox disabled: desktops are isolated by uid and file modes only');

  const q = createDesktopQueue();
  const { creating, serial } = q;
  let closed = false;

  const handleOf = async (s: DesktopState): Promise<DesktopHandle> => ({
    desktopId: s.desktopId,
    state: (await isRunning(s)) ? 'running' : 'stopped',
    startedAt: s.startedAt,
  });
  const known = async (desktopId: string): Promise<DesktopState | null> =>
    typeof desktopId === 'string' && DESKTOP_ID.test(desktopId) && !creating.has(desktopId) ? readState(L, desktopId) : null;
  const running = async (desktopId: string): Promise<DesktopState> => {
    const s = await known(desktopId);
    if (!s || !(await isRunning(s))) throw new Error(`desktop ${desktopId} is not running`);
    return s;
  };

  async function createOnce(
    spec: Parameters<DesktopDriver['create']>[0],
    signal?: AbortSignal,
    progress?: ProgressFn,
  ): Promise<DesktopHandle> {
    const existing = await readState(L, spec.desktopId);
    if (existing && (await isRunning(existing))) {
      // A retried create (say, after a lost reply) gets the same desktop; another secret is a conflict.
      const pw = await readFile(jailFor(rt, existing).vncPasswdFile).catch(() => Buffer.alloc(0));
      if (!pw.equals(vncPasswordFile(spec.secret))) throw new Error(`desktop ${spec.desktopId} already exists with another secret`);
      if ((existing.protocol ?? 'vnc') !== (spec.protocol ?? 'vnc'))
        throw new Error(`desktop ${spec.desktopId} already exists serving ${existing.protocol ?? 'vnc'}, not ${spec.protocol ?? 'vnc'}`);
      return handleOf(existing);
    }
    if (existing)
      await teardown(rt, existing); // a dead leftover under this id
    else await rm(L.desktopDir(spec.desktopId), { recursive: true, force: true }); // files of a create that died early
    const t0 = Date.now();
    progress?.('starting', 'Starting the display server and window manager…');
    const avoid = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      try {
        const s = await startDesktop(rt, spec, signal, avoid);
        o.log.info(
          { desktopId: s.desktopId, display: s.display, uid: s.uid, limits: s.limits?.mechanism, ms: Date.now() - t0 },
          'desktop started',
        );
        return { desktopId: s.desktopId, state: 'running', startedAt: s.startedAt };
      } catch (err) {
        if (!(err instanceof DisplayClash) || attempt >= 3) throw err;
        o.log.warn({ desktopId: spec.desktopId, display: err.display, attempt }, 'display taken meanwhile; retrying');
        avoid.add(err.display);
      }
    }
  }

  return {
    name: 'process',

    async create(spec, signal, progress) {
      if (closed) throw new Error('process driver is closed');
      checkSpec(spec);
      signal?.throwIfAborted();
      await ready;
      return q.create(spec, () => createOnce(spec, signal, progress));
    },

    async destroy(desktopId) {
      if (typeof desktopId !== 'string' || !DESKTOP_ID.test(desktopId)) return; // cannot name one of ours
      await serial(desktopId, async () => {
        const s = await readState(L, desktopId);
        rdpSound.stop(desktopId);
        if (s) return teardown(rt, s);
        // A create that died before its first record: nothing runs, only files may remain.
        await rm(L.homeDir('pooled', desktopId), { recursive: true, force: true });
        await rm(L.desktopDir(desktopId), { recursive: true, force: true });
      });
    },

    async inspect(desktopId) {
      const s = await known(desktopId);
      return s ? handleOf(s) : null;
    },

    async list() {
      await ready;
      return Promise.all((await readAllStates(L)).filter((s) => !creating.has(s.desktopId)).map(handleOf));
    },

    async openStream(desktopId, channel = 'vnc') {
      const s = await running(desktopId);
      if (channel === 'audio') return openCapture(jailFor(rt, s), L, desktopId);
      const serves = s.protocol ?? 'vnc';
      if (channel !== serves) throw unsupportedChannel(desktopId, channel, serves);
      // A desktop started before Xvnc moved to a unix socket still listens on its TCP port.
      const stream = await dial(s.socket ? { path: s.socket } : { host: '127.0.0.1', port: s.port ?? 0 });
      if (serves === 'rdp') rdpSound.follow(jailFor(rt, s), desktopId, stream);
      return stream;
    },

    async fileHome(desktopId) {
      const j = jailFor(rt, await running(desktopId));
      return { root: j.hostHome, ids: j.ids };
    },

    async runInDesktop(desktopId, argv, opts = {}) {
      const j = jailFor(rt, await running(desktopId));
      return runOnce(j, command(j, 'oneshot', argv), desktopEnv(j, true), opts.timeoutMs ?? 10_000);
    },

    async close() {
      rdpSound.stopAll();
      closed = true; // desktops keep running: they are detached, each in its own session
    },
  };
}

/** The desktop serves another protocol than the stream asked for: the agent answers `unsupported_channel`. */
function unsupportedChannel(desktopId: string, channel: unknown, serves: string): Error {
  const name = channel === 'vnc' || channel === 'rdp' ? channel : 'unknown';
  return Object.assign(new Error(`desktop ${desktopId} serves ${serves}, not ${name}`), { code: 'unsupported_channel' });
}

function dial(to: { path: string } | { host: string; port: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(to);
    const where = 'path' in to ? to.path : `${to.host}:${to.port}`;
    const timer = setTimeout(() => socket.destroy(new Error(`connect to ${where} timed out`)), 5_000);
    socket.once('connect', () => (clearTimeout(timer), resolve(socket)));
    socket.once('error', (err) => (clearTimeout(timer), reject(err)));
  });
}
