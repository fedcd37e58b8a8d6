// A process desktop's sound: one PulseAudio per desktop (its own uid, sandbox and socket in the
// desktop's private /tmp, a null sink as its only output), and capture on demand: `parec` on that
// sink's monitor as raw PCM (contract/audio.ts), started when an 'audio' stream opens, killed with it.
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { chown, lstat, mkdir } from 'node:fs/promises';
import { createConnection, Socket } from 'node:net';
import { join } from 'node:path';
import { PCM_FORMAT } from '../../contract/audio.ts';
import type { Layout } from './layout.ts';
import { command, desktopEnv, openAll, spawnDetached, type Jail } from './sandbox.ts';

const PROGRAMS = { pulseaudio: '/usr/bin/pulseaudio', parec: '/usr/bin/parec' } as const;
/** The sink desktop programs play into; its monitor is what a viewer hears. */
export const SINK = 'deskport';
/** How long an audio stream waits for a desktop's sound server to make its socket (it starts beside the desktop). */
const SOCKET_WAIT_MS = 3_000;

/** Host path of the desktop's sound socket: in its private /tmp, which no other desktop sees. */
export const hostPulseDir = (j: Jail): string => join(j.hostTmp, 'pulse');
export const hostPulseSocket = (j: Jail): string => join(hostPulseDir(j), 'native');
/** The same socket as desktop programs see it (PULSE_SERVER). */
export const insidePulseDir = (j: Jail): string => (j.mode === 'none' ? hostPulseDir(j) : '/tmp/pulse');
export const pulseServer = (j: Jail): string => `unix:${insidePulseDir(j)}/native`;

/** The Debian package's programs, or null (sound is optional: a desktop without it still works). */
export function soundBins(): typeof PROGRAMS | null {
  try {
    for (const p of Object.values(PROGRAMS)) accessSync(p, constants.X_OK);
    return PROGRAMS;
  } catch {
    return null;
  }
}

/** A PulseAudio of its own, in the foreground, with no default.pa, shm, realtime or idle exit (also test/helpers/pulse.ts). */
export const PULSE_DAEMON_FLAGS = [
  '-n',
  '--daemonize=no',
  '--exit-idle-time=-1',
  '--use-pid-file=no',
  '--system=no',
  '--disable-shm=yes',
  '--realtime=no',
  '--high-priority=no',
  '--log-target=stderr',
  '--log-level=warning',
] as const;

/**
 * PulseAudio's command line. `-n` loads no default.pa (no hardware probing, no module-x11-*, no dbus
 * module: the system's configuration cannot add anything); the only modules are the null sink (the
 * default, as the only sink) and the native protocol on the desktop's own socket. Anonymous auth is
 * safe there: only this desktop's programs (same uid, same private /tmp) reach the socket. No shm:
 * the capture runs in another sandbox; at 96 KB/s the socket carries the samples easily.
 */
export function pulseArgv(j: Jail, bin: string): string[] {
  return [
    bin,
    ...PULSE_DAEMON_FLAGS,
    '-L',
    `module-null-sink sink_name=${SINK} rate=${PCM_FORMAT.rate} channels=${PCM_FORMAT.channels} sink_properties=device.description=Deskport`,
    '-L',
    `module-native-protocol-unix socket=${insidePulseDir(j)}/native auth-anonymous=1`,
  ];
}

/** Where PulseAudio keeps its runtime files and cookie: the desktop's tmp, not its home. */
function pulseEnv(j: Jail): Record<string, string> {
  const dir = insidePulseDir(j);
  return {
    ...desktopEnv(j, false),
    PULSE_RUNTIME_PATH: dir,
    XDG_CONFIG_HOME: dir,
    XDG_RUNTIME_DIR: dir,
    DBUS_SESSION_BUS_ADDRESS: 'disabled:',
  };
}

/** Starts the desktop's sound server; resolves with its pid (a session leader to record), or null
 *  when it could not start: the desktop then works without sound, and says why in its log. */
export async function startSound(j: Jail, L: Layout, desktopId: string): Promise<number | null> {
  const bins = soundBins();
  if (!bins) return null;
  const dir = hostPulseDir(j);
  await mkdir(dir, { mode: 0o700 });
  if (j.ids) await chown(dir, j.ids.uid, j.ids.gid); // PulseAudio insists its runtime dir is its own and 0700
  const child = await spawnDetached(j, command(j, 'sound', pulseArgv(j, bins.pulseaudio)), pulseEnv(j), L.logFile(desktopId, 'pulse'));
  return child.pid ?? null;
}

/** Null once the desktop's sound server accepts a connection on its socket, else why not (after up
 *  to `ms`; a socket file left by a sound server that died refuses at once). */
async function waitForServer(path: string, ms: number): Promise<string | null> {
  const deadline = Date.now() + ms;
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    if ((await lstat(path).catch(() => null))?.isSocket()) {
      const answer = await new Promise<string | null>((resolve) => {
        const c = createConnection(path);
        c.once('connect', () => (c.destroy(), resolve(null)));
        c.once('error', (e: NodeJS.ErrnoException) => resolve(`its sound server does not answer (${e.code ?? e.message})`));
      });
      return answer;
    } else if (Date.now() >= deadline) return `no sound server socket after ${ms} ms`;
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** What one capture delivers: /ws/audio's format (PCM_FORMAT), or xrdp-chansrv's (rdp-sound.ts). */
export interface CaptureFormat {
  rate: number;
  channels: number;
  /** Names the capture in PulseAudio (and in its log). */
  client: string;
}
const WS_AUDIO: CaptureFormat = { rate: PCM_FORMAT.rate, channels: PCM_FORMAT.channels, client: 'deskport-capture' };

/** parec's command line: the sink's monitor as raw s16le PCM (PulseAudio resamples to `f`), with small
 *  buffers (latency over smoothness). */
export function parecArgv(bin: string, f: CaptureFormat = WS_AUDIO): string[] {
  return [
    bin,
    '--raw',
    `--device=${SINK}.monitor`,
    `--format=${PCM_FORMAT.format}`,
    `--rate=${f.rate}`,
    `--channels=${f.channels}`,
    `--latency-msec=${PCM_FORMAT.captureLatencyMs}`,
    `--client-name=${f.client}`,
  ];
}

/** The error an agent answers when the desktop has no sound: the viewer says "Sound is unavailable". */
export function soundUnavailable(desktopId: string, why: string): Error {
  return Object.assign(new Error(`desktop ${desktopId} has no sound: ${why}`), { code: 'sound_unavailable' });
}

/**
 * Starts parec inside the desktop (its uid and sandbox, dying with the agent) and hands back its
 * stdout: a read-only socket of PCM. Closing that socket kills parec's whole process group.
 */
export async function openCapture(j: Jail, L: Layout, desktopId: string, format: CaptureFormat = WS_AUDIO): Promise<Socket> {
  const bins = soundBins();
  if (!bins) throw soundUnavailable(desktopId, 'pulseaudio-utils is not installed on its host');
  const missing = await waitForServer(hostPulseSocket(j), SOCKET_WAIT_MS);
  if (missing) throw soundUnavailable(desktopId, missing);
  const cmd = command(j, 'oneshot', parecArgv(bins.parec, format));
  const env = { ...desktopEnv(j, false), PULSE_SERVER: pulseServer(j) };
  const log = openSync(L.logFile(desktopId, 'capture'), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
  const fds = openAll(cmd.fds);
  let child;
  try {
    // Its own process group, so one kill reaches the launch chain, bwrap and parec.
    child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env, detached: true, stdio: ['ignore', 'pipe', log, ...fds] });
  } finally {
    for (const fd of [log, ...fds]) closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const out = child.stdout;
  if (!(out instanceof Socket)) throw new Error('capture output is not a pipe socket');
  const pid = child.pid;
  const kill = (): void => {
    try {
      if (pid) process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  out.once('close', kill);
  // A capture has nothing to flush: ending it is destroying it, so parec stops at once whichever side
  // ends the stream (the relays end() a socket and give a peer seconds to answer before destroying it).
  out.end = ((..._args: unknown[]) => out.destroy()) as typeof out.end;
  child.once('exit', () => out.destroy()); // parec gone (sound server stopped): the stream ends
  return out;
}
