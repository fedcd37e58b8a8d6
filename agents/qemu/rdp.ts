// Readiness of an RDP VM (docs/qemu.md, "RDP VM pools"): the host port of QEMU's forward to the guest's
// RDP port, xrdp answering through it, the guest login set to the desktop's secret through QEMU's guest
// agent, and in an image of ours the session started ahead so the first connect attaches to it.
import type { WaitOptions } from '../banner.ts';
import type { DesktopSpec } from '../driver.ts';
import type { DriverLogger } from '../process/options.ts';
import { sleep } from '../process/procfs.ts';
import { waitForX224 } from '../x224.ts';
import { guestExec, RDP_GUEST_USER, setGuestPassword } from './qga.ts';
import { withQmp } from './qmp.ts';
import { forwardPortOf, writeState, type VmPaths, type VmState } from './vm.ts';

/** The host port QEMU bound for an RDP VM's forward (HMP `info usernet`, through QMP). */
async function forwardPort(p: VmPaths, until: number, exited: () => Promise<string | null>): Promise<number | string> {
  for (;;) {
    const gone = await exited();
    if (gone) return gone;
    const text = await withQmp(p.qmp, (q) => q.execute('human-monitor-command', { 'command-line': 'info usernet' }), 2_000).catch(
      () => null,
    );
    const port = typeof text === 'string' ? forwardPortOf(text) : null;
    if (port !== null) return port;
    if (Date.now() >= until) return 'QEMU did not report the RDP forward in time';
    await sleep(100);
  }
}

/** Until an RDP VM is ready: its forward's port, xrdp answering through it, the guest login set to the
 *  secret; in an image of ours also the session started ahead (prestart). Resolves null when ready, or why it is not. */
export async function rdpReady(
  log: DriverLogger,
  spec: DesktopSpec,
  p: VmPaths,
  s: VmState,
  wait: WaitOptions & { until: number },
  prestart: boolean,
): Promise<string | null> {
  const port = await forwardPort(p, wait.until, async () => (await wait.gaveUp()) ?? null);
  if (typeof port === 'string') return port;
  s.rdpPort = port;
  await writeState(p, s); // still `starting`: usable only once create() ends
  const failure =
    (await waitForX224({ port }, { ...wait, timeoutMs: Math.max(1, wait.until - Date.now()), gaveUpEveryMs: 500 })) ??
    (await setGuestPassword(p.qga, RDP_GUEST_USER, spec.secret, {
      until: wait.until,
      ...(wait.signal ? { signal: wait.signal } : {}),
      gaveUp: async () => (await wait.gaveUp()) ?? null,
    }));
  // The session ahead needs time of its own; with too little left, the first connect starts it instead.
  if (failure || !prestart || wait.until - Date.now() < 15_000) return failure;
  // sesman starts the session (Xorg, openbox, a terminal: seconds under TCG) now rather than at the first
  // connect, which then finds it running (KillDisconnected=false keeps it). Only a speed-up: a failure is logged.
  const started = await guestExec(
    p.qga,
    '/usr/bin/xrdp-sesrun',
    // 24 bits per pixel: what xrdp asks sesman for with an Xorg session, so the first connect matches this one.
    ['-s', '127.0.0.1', '-F', '0', '-t', 'Xorg', '-b', '24', RDP_GUEST_USER],
    `${spec.secret}\n`,
    Math.min(20_000, wait.until - Date.now()),
  ).catch((err: Error) => ({ code: -1, output: err.message }));
  const display = /\bdisplay=:(\d{1,4})\b/.exec(started.output)?.[1];
  if (started.code !== 0 || !display) {
    log.warn(
      { desktopId: spec.desktopId, code: started.code, output: started.output },
      'could not start the RDP session ahead; the first connect starts it',
    );
    return (await wait.gaveUp()) ?? null;
  }
  // Ready once openbox manages the terminal in that session, as a VNC VM's ready line says (the guest
  // gives up by itself too, so nothing keeps polling there after the host stopped waiting).
  const left = Math.max(1_000, wait.until - Date.now());
  const wm = `timeout ${Math.ceil(left / 1000)} sh -c 'until XAUTHORITY=/home/${RDP_GUEST_USER}/.Xauthority DISPLAY=:${display} xprop -root _NET_CLIENT_LIST 2>/dev/null | grep -q 0x; do sleep 0.2; done'`;
  const up = await guestExec(p.qga, '/bin/sh', ['-c', wm], '', left + 2_000).catch((err: Error) => ({
    code: -1,
    output: err.message,
  }));
  if (up.code !== 0)
    log.warn({ desktopId: spec.desktopId, output: up.output }, 'the RDP session started ahead did not show its window manager');
  return (await wait.gaveUp()) ?? null; // QEMU may have died meanwhile (the guest agent's errors are only logged)
}
