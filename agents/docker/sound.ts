// Sound from a docker desktop: the image's PulseAudio (infra/images/desktop/deskport-desktop) captured on
// demand by `parec` run inside the container as the desktop user (docker exec), writing raw PCM into a
// FIFO in the agent-only bind-mounted run directory; the agent reads that FIFO as the stream.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Container } from 'dockerode';
import { parecArgv, soundUnavailable } from '../process/sound.ts';
import { demuxLogs } from './engine.ts';
import { DESKTOP_UID, RUN_DIR_IN_CONTAINER } from './files.ts';

/** Where the entrypoint's PulseAudio keeps its socket and cookie (the container's private /tmp). */
export const PULSE_DIR = '/tmp/pulse';
const READY = 'deskport-capture: ready';
/** The script waits ≤ 3 s for the sound server (it starts beside the desktop); then a margin for exec. */
const START_TIMEOUT_MS = 8_000;
const MAX_CONTROL_BYTES = 8_192;

/**
 * Runs inside the container ($1 the FIFO, the rest parec's argv). A docker exec'd process does not
 * die when its client goes away (only its stdin closes), so a watchdog reads the exec's stdin and
 * kills parec at EOF: closing the stream, or the agent dying, ends the capture at once. parec's exit
 * (sound server gone) ends the exec, which ends the stream.
 */
const SCRIPT = `exec 3<&0
fifo=$1; shift
command -v pactl >/dev/null && command -v parec >/dev/null || { echo "the image has no pulseaudio-utils" >&2; exit 69; }
i=0
until pactl info >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -lt 30 ] || { echo "no sound server answers at $PULSE_SERVER" >&2; exit 69; }
  sleep 0.1
done
mkfifo -m 0600 "$fifo" || exit 70
"$@" 2>/dev/null >"$fifo" &
p=$!
(cat >/dev/null; kill -9 "$p" 2>/dev/null) <&3 >/dev/null 2>&1 &
exec 3<&-
echo '${READY}' >&2
wait "$p"
`;

/** The exec's environment: the entrypoint exports PULSE_SERVER to its own children only, and an exec'd
 *  process starts from the image's environment, so without this parec looks for (and tries to spawn) a
 *  server of its own and never reaches the desktop's. Runtime dir and config (cookie) as the server's. */
export const captureEnv = (): string[] => [
  `PULSE_SERVER=unix:${PULSE_DIR}/native`,
  `PULSE_RUNTIME_PATH=${PULSE_DIR}`,
  `XDG_RUNTIME_DIR=${PULSE_DIR}`,
  `XDG_CONFIG_HOME=${PULSE_DIR}`,
];

/** Starts the capture in `c` and hands back the FIFO's read side as a socket of PCM (contract/audio.ts).
 *  Refuses with `sound_unavailable` when the container has no working sound server. */
export async function openDockerCapture(c: Container, runDirOnHost: string, desktopId: string): Promise<Socket> {
  const name = `audio-${randomBytes(8).toString('hex')}.fifo`;
  const hostPath = join(runDirOnHost, name);
  const exec = await c.exec({
    Cmd: ['sh', '-c', SCRIPT, 'deskport-capture', `${RUN_DIR_IN_CONTAINER}/${name}`, ...parecArgv('parec')],
    User: `${DESKTOP_UID}:${DESKTOP_UID}`,
    Env: captureEnv(),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const control: Duplex = await exec.start({ hijack: true, stdin: true });
  const removeFifo = (): void => void unlink(hostPath).catch(() => undefined);
  try {
    await waitForReady(control, desktopId);
  } catch (err) {
    control.destroy();
    removeFifo();
    throw err;
  }
  let fd: number;
  try {
    // O_RDWR: opening never waits for parec's side, and the read end never sees EOF before parec writes.
    // O_NOFOLLOW + the type check: the container's user owns that directory and could plant a link.
    fd = openSync(hostPath, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    if (!fstatSync(fd).isFIFO()) {
      closeSync(fd);
      throw new Error('not a FIFO');
    }
  } catch (err) {
    control.destroy();
    removeFifo();
    throw soundUnavailable(desktopId, `its capture FIFO could not be opened (${(err as Error).message})`);
  }
  const out = new Socket({ fd, readable: true, writable: false });
  out.once('close', () => {
    control.destroy(); // the watchdog in the container sees EOF and kills parec
    removeFifo();
  });
  // Nothing to flush: ending a capture is destroying it, whichever side ends (as the process driver does).
  out.end = ((..._args: unknown[]) => out.destroy()) as typeof out.end;
  for (const ev of ['end', 'close', 'error']) control.on(ev, () => out.destroy()); // parec gone: the stream ends
  control.resume(); // parec's stderr goes to /dev/null; keep the control stream flowing anyway
  return out;
}

/** Resolves once the script says parec runs; rejects with `sound_unavailable` and the script's words. */
function waitForReady(control: Duplex, desktopId: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const said = (): string => demuxLogs(Buffer.concat(chunks)).trim();
    const done = (err?: Error): void => {
      clearTimeout(timer);
      control.off('data', onData);
      for (const ev of ['end', 'close', 'error']) control.off(ev, onClose);
      if (err) reject(err);
      else resolve();
    };
    const onData = (b: Buffer): void => {
      if (size < MAX_CONTROL_BYTES) (chunks.push(b), (size += b.length));
      if (said().includes(READY)) done();
    };
    const onClose = (): void => done(soundUnavailable(desktopId, said() || 'its capture ended at start'));
    const timer = setTimeout(
      () => done(soundUnavailable(desktopId, `its capture did not start in ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    control.on('data', onData);
    for (const ev of ['end', 'close', 'error']) control.once(ev, onClose);
  });
}
