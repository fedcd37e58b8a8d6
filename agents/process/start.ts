// Starting one process desktop: reserve a display and uid and make its cgroups (recorded before
// anything runs, so a crash mid-start leaves a record destroy can clean), then Xvnc, the background,
// openbox + xterm.
import { chown, lstat, mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DesktopSpec } from '../driver.ts';
import { ownersIn, pickDisplay, pickUid } from './allocate.ts';
import { waitForBanner, type WaitOptions } from '../banner.ts';
import { waitForX224 } from '../x224.ts';
import { prepareHome, writeDesktopFiles } from './desktop-files.ts';
import { readAllStates, writeState, type DesktopState } from './layout.ts';
import { limitsFor } from './limits.ts';
import { listProcs, readCmdline, readProc, type ProcRef } from './procfs.ts';
import { jailFor, teardown, type Runtime } from './runtime.ts';
import { chansrvArgv, chansrvEnv, hostChansrvSocket, hostXorgxrdpSocket, withChansrv, writeRdpFiles, xorgArgv, xrdpArgv } from './rdp.ts';
import { startSound } from './sound.ts';
import { command, desktopEnv, hostChansrvDir, hostRdpSocket, hostVncSocket, inside, runOnce, spawnDetached, type Jail } from './sandbox.ts';

/** Xvnc's words when another server took the display between our check and its start. */
const CLASH = /already active|already in use|Cannot establish any listening sockets|Server is already active/i;

/** A start that failed because the display was taken meanwhile: worth retrying elsewhere. */
export class DisplayClash extends Error {
  constructor(
    message: string,
    readonly display: number,
  ) {
    super(message);
  }
}

async function allocate(rt: Runtime, spec: DesktopSpec, avoid: Set<number>): Promise<DesktopState> {
  const { o, L, isRoot } = rt;
  return rt.allocating(async () => {
    const states = await readAllStates(L);
    const holder = spec.persistence === 'personal' && states.find((s) => s.persistence === 'personal' && s.homeKey === spec.homeKey);
    if (holder) throw new Error(`personal home ${JSON.stringify(spec.homeKey)} is held by desktop ${holder.desktopId}; destroy it first`);
    const taken = new Set([...avoid, ...states.map((s) => s.display)]);
    const display = await pickDisplay({ base: o.displayBase, count: o.displayCount, taken });
    const home = L.homeDir(spec.persistence, spec.persistence === 'personal' ? (spec.homeKey ?? '') : spec.desktopId);
    let uid = process.getuid?.() ?? 0;
    if (isRoot) {
      // A personal home keeps its uid from desktop to desktop. Any other uid is never recycled while
      // a record, a home or a process still belongs to it.
      const owner = spec.persistence === 'personal' ? (await stat(home).catch(() => null))?.uid : undefined;
      const used = new Set([
        ...states.map((s) => s.uid),
        ...(await ownersIn([join(L.root, 'homes', 'pooled'), join(L.root, 'homes', 'personal')])),
        ...(await listProcs()).map((p) => p.uid),
      ]);
      const inRange = owner !== undefined && owner >= o.uidBase && owner < o.uidBase + o.uidCount;
      uid = inRange ? owner : pickUid({ base: o.uidBase, count: o.uidCount, taken: used });
    }
    const limits = limitsFor(spec, o);
    const backend = await rt.limits;
    const state: DesktopState = {
      version: 1,
      desktopId: spec.desktopId,
      display,
      socket: L.vncDir(spec.desktopId) + (spec.protocol === 'rdp' ? '/rdp.sock' : '/sock'),
      protocol: spec.protocol === 'rdp' ? 'rdp' : 'vnc',
      uid,
      gid: isRoot ? uid : (process.getgid?.() ?? 0),
      startedAt: Date.now(),
      persistence: spec.persistence,
      homeKey: spec.homeKey ?? null,
      home,
      sandbox: o.sandbox,
      sessionNetwork: o.sessionNetwork,
      spawned: [],
      xvnc: null,
      ...(spec.protocol === 'rdp' ? { xrdp: null } : {}),
      limits: { mechanism: backend.mechanism, ...limits, cgroups: backend.dirs(spec.desktopId) },
    };
    await writeDesktopFiles(jailFor(rt, state), L.desktopDir(spec.desktopId), spec.secret, isRoot ? { uid, gid: uid } : null);
    await writeState(L, state); // from here on the record reserves the display and uid, and names the cgroups
    return state;
  });
}

/** Starts the desktop; on any failure (or abort) stops what was started and removes its files. */
export async function startDesktop(
  rt: Runtime,
  spec: DesktopSpec,
  signal: AbortSignal | undefined,
  avoid: Set<number>,
): Promise<DesktopState> {
  const { o, L } = rt;
  const s = await allocate(rt, spec, avoid);
  const j = jailFor(rt, s);
  const bins = rt.bins();
  const record = async (pid: number | undefined): Promise<ProcRef> => {
    const info = pid === undefined ? null : await readProc(pid);
    if (!info) throw new Error(`desktop ${s.desktopId}: a program exited right after it started`);
    return { pid: info.pid, start: info.start };
  };
  try {
    if (s.limits) await (await rt.limits).create(s.limits.cgroups, s.limits);
    await prepareHome(s.home, j.ids, spec.persistence === 'pooled');
    const [w, h] = [spec.width ?? 1280, spec.height ?? 800];
    if (s.protocol === 'rdp') {
      await writeRdpFiles(j, rt.rdpBins(), j.ids); // outside the allocation lock: key generation takes a while
      await startRdpServers(rt, s, j, signal, record);
    } else await startXvnc(rt, s, j, [w, h], signal, record);
    await startSoundServer(rt, s, j, record);
    const env = desktopEnv(j, true);
    const bg = await runOnce(j, command(j, 'oneshot', [bins.xsetroot, '-solid', '#2d3b4e']), env, 5_000).catch((e: Error) => ({
      code: -1,
      stderr: e.message,
    }));
    if (bg.code !== 0) o.log.warn({ desktopId: s.desktopId, stderr: bg.stderr }, 'xsetroot failed; the background stays black');
    // openbox starts the terminal once it manages the screen. Started side by side, xterm's first map
    // request raced openbox's start-up and was lost in 4 of 6 runs (no window, no shell).
    const cols = Math.max(40, Math.min(100, Math.floor((w - 80) / 10))); // ~10x20 px cells at -fs 10
    const rows = Math.max(10, Math.min(30, Math.floor((h - 120) / 20)));
    const term = `${bins.xterm} -geometry ${cols}x${rows}+40+40 -fa Monospace -fs 10 -title Terminal`;
    const session = await spawnDetached(
      j,
      command(j, 'session', [bins.openbox, '--startup', term]),
      env,
      L.logFile(s.desktopId, 'session'),
    );
    s.spawned.push(await record(session.pid));
    signal?.throwIfAborted(); // the caller gave up: do not hand back a desktop nobody will use
    s.startedAt = Date.now();
    await writeState(L, s);
    return s;
  } catch (err) {
    // Nothing worth a graceful stop yet: a short grace keeps a failed create quick.
    await teardown(rt, s, 200).catch((e: Error) =>
      o.log.error({ desktopId: s.desktopId, err: e.message }, 'cleanup after a failed create failed'),
    );
    throw err;
  }
}

type Record = (pid: number | undefined) => Promise<ProcRef>;

/** The desktop's PulseAudio (sound.ts), before the session so its programs find it. Optional: a
 *  desktop whose sound server fails still starts; its viewer says sound is unavailable. */
async function startSoundServer(rt: Runtime, s: DesktopState, j: Jail, record: Record): Promise<void> {
  try {
    const pid = await startSound(j, rt.L, s.desktopId);
    if (pid === null) return rt.o.log.warn({ desktopId: s.desktopId }, 'no pulseaudio on this host: the desktop has no sound');
    s.spawned.push(await record(pid));
  } catch (err) {
    rt.o.log.warn({ desktopId: s.desktopId, err: (err as Error).message }, 'the sound server did not start: the desktop has no sound');
  }
}

/** Xvnc, serving RFB on its unix socket; resolves once it sends the RFB banner. */
async function startXvnc(rt: Runtime, s: DesktopState, j: Jail, [w, h]: [number, number], signal: AbortSignal | undefined, record: Record) {
  const { o, L } = rt;
  const bins = rt.bins();
  // RFB on a unix socket only (-rfbport -1: no TCP listener at all), reachable by root alone. No
  // blacklist: only the agent can connect, and a blacklist keyed by the socket would let anything
  // that reaches it lock the agent out of this desktop.
  const xvnc = [
    bins.Xvnc,
    `:${s.display}`,
    '-rfbport',
    '-1',
    '-rfbunixpath',
    inside(j).vncSocket,
    '-rfbunixmode',
    '0600',
    '-UseBlacklist=0',
    '-nolisten',
    'tcp',
    '-SecurityTypes',
    'VncAuth',
    '-PasswordFile',
    inside(j).vncPasswd,
    '-auth',
    inside(j).xauthority,
    '-AlwaysShared',
    '-geometry',
    `${w}x${h}`,
    '-depth',
    '24',
    '-desktop',
    'Deskport',
  ];
  const server = await spawnDetached(j, command(j, 'server', xvnc), desktopEnv(j, false), L.logFile(s.desktopId, 'xvnc'));
  let exited: string | null = null;
  server.once('exit', (code, sig) => (exited = `Xvnc exited (${code ?? sig}) before answering`));
  s.spawned.push(await record(server.pid));
  await writeState(L, s);
  const failure = await waitForBanner({ path: hostVncSocket(j) }, { timeoutMs: o.startTimeoutMs, signal, gaveUp: () => exited });
  signal?.throwIfAborted();
  if (failure) {
    const tail = (await readFile(L.logFile(s.desktopId, 'xvnc'), 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    const message = `desktop ${s.desktopId}: ${failure}\n--- Xvnc log (tail) ---\n${tail}`;
    throw CLASH.test(tail) ? new DisplayClash(message, s.display) : new Error(message);
  }
  // With bwrap the spawned pid is bwrap's; Xvnc is a descendant in the same session.
  for (const p of (await listProcs()).filter((x) => x.sid === server.pid && x.uid === s.uid)) {
    if (basename((await readCmdline(p.pid))[0] ?? '') === 'Xvnc') s.xvnc = { pid: p.pid, start: p.start };
  }
  if (!s.xvnc) throw new Error(`desktop ${s.desktopId}: Xvnc answered but its process was not found`);
}

/** Xorg with xorgxrdp, then xrdp on its unix socket; resolves once xrdp confirms an X.224 connection. */
async function startRdpServers(rt: Runtime, s: DesktopState, j: Jail, signal: AbortSignal | undefined, record: Record) {
  const { o, L } = rt;
  const bins = rt.rdpBins();
  const deadline = Date.now() + o.startTimeoutMs;
  const xorg = await spawnDetached(j, command(j, 'server', xorgArgv(j, bins)), desktopEnv(j, false), L.logFile(s.desktopId, 'xorg'));
  let exited: string | null = null;
  xorg.once('exit', (code, sig) => (exited = `Xorg exited (${code ?? sig}) before it was ready`));
  s.spawned.push(await record(xorg.pid));
  await writeState(L, s);
  const sockets = [hostXorgxrdpSocket(j), join(j.mode === 'none' ? '/tmp' : j.hostTmp, '.X11-unix', `X${s.display}`)];
  let failure = await waitForSockets(sockets, { timeoutMs: o.startTimeoutMs, signal, gaveUp: () => exited });
  signal?.throwIfAborted();
  if (failure) {
    const tail = await logTail(L.logFile(s.desktopId, 'xorg'));
    const message = `desktop ${s.desktopId}: ${failure}\n--- Xorg log (tail) ---\n${tail}`;
    throw CLASH.test(tail) ? new DisplayClash(message, s.display) : new Error(message);
  }
  s.xvnc = await findProgram(s, xorg.pid, 'Xorg');
  if (!s.xvnc) throw new Error(`desktop ${s.desktopId}: Xorg is ready but its process was not found`);
  await writeState(L, s);
  // chansrv before xrdp: xrdp dials it once per connection and, finding no socket, retries for seconds.
  if (withChansrv(j))
    await startChansrv(rt, s, j, { timeoutMs: Math.max(1_000, deadline - Date.now()), signal, gaveUp: () => exited }, record);
  const xrdp = await spawnDetached(j, command(j, 'rdp', xrdpArgv(j, bins)), desktopEnv(j, false), L.logFile(s.desktopId, 'xrdp'));
  let gone: string | null = null;
  xrdp.once('exit', (code, sig) => (gone = `xrdp exited (${code ?? sig}) before answering`));
  s.spawned.push(await record(xrdp.pid));
  await writeState(L, s);
  failure = await waitForX224(
    { path: hostRdpSocket(j) },
    { timeoutMs: Math.max(1_000, deadline - Date.now()), signal, gaveUp: () => gone ?? exited },
  );
  signal?.throwIfAborted();
  if (failure)
    throw new Error(`desktop ${s.desktopId}: ${failure}\n--- xrdp log (tail) ---\n${await logTail(L.logFile(s.desktopId, 'xrdp'))}`);
  s.xrdp = await findProgram(s, xrdp.pid, 'xrdp');
  if (!s.xrdp) throw new Error(`desktop ${s.desktopId}: xrdp answered but its process was not found`);
}

/** xrdp-chansrv (the clipboard channel's server) as an X client of the desktop, in a sandbox of its
 *  own that holds its socket directory; resolves once its socket exists. */
async function startChansrv(rt: Runtime, s: DesktopState, j: Jail, wait: WaitOptions, record: Record) {
  const { L } = rt;
  const dir = hostChansrvDir(j);
  await mkdir(dir, { mode: 0o700 });
  if (j.ids) await chown(dir, j.ids.uid, j.ids.gid); // chansrv, as the desktop's uid, makes its socket here
  const env = chansrvEnv(j, desktopEnv(j, true));
  const cs = await spawnDetached(j, command(j, 'channels', chansrvArgv(rt.rdpBins())), env, L.logFile(s.desktopId, 'chansrv'));
  let gone: string | null = null;
  cs.once('exit', (code, sig) => (gone = `xrdp-chansrv exited (${code ?? sig}) before its socket appeared`));
  s.spawned.push(await record(cs.pid));
  await writeState(L, s);
  const failure = await waitForSockets([hostChansrvSocket(j)], { ...wait, gaveUp: async () => gone ?? (await wait.gaveUp()) });
  wait.signal?.throwIfAborted();
  if (failure) {
    const log = join(j.hostTmp, 'xrdp', `xrdp-chansrv.${s.display}.log`); // chansrvEnv: XDG_DATA_HOME is the desktop's tmp
    throw new Error(`desktop ${s.desktopId}: ${failure}\n--- xrdp-chansrv log (tail) ---\n${await logTail(log)}`);
  }
}

/** With bwrap the spawned pid is bwrap's; the program is a descendant in the same session. The first
 *  started wins: xrdp forks a child per connection (the readiness probe's may still be there). */
async function findProgram(s: DesktopState, sid: number | undefined, name: string): Promise<ProcRef | null> {
  let found: ProcRef | null = null;
  for (const p of (await listProcs()).filter((x) => x.sid === sid && x.uid === s.uid)) {
    if (basename((await readCmdline(p.pid))[0] ?? '') !== name) continue;
    if (!found || p.start < found.start || (p.start === found.start && p.pid < found.pid)) found = { pid: p.pid, start: p.start };
  }
  return found;
}

async function logTail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
}

/** Polls until every path is a socket (xorgxrdp makes its own next to the X socket). Null when ready. */
async function waitForSockets(paths: string[], o: WaitOptions): Promise<string | null> {
  const deadline = Date.now() + o.timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 50)) {
    if (o.signal?.aborted) return 'aborted';
    const reason = await o.gaveUp();
    if (reason) return reason;
    const missing = [];
    for (const p of paths) if (!(await lstat(p).catch(() => null))?.isSocket()) missing.push(p);
    if (missing.length === 0) return null;
    if (Date.now() >= deadline) return `no socket ${missing.join(', ')} after ${o.timeoutMs} ms`;
    await new Promise((r) => setTimeout(r, delay));
  }
}
