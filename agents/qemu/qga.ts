// QEMU's guest agent (qemu-ga in the guest, or the virtio-win guest tools in Windows) over the VM's
// virtio-serial port, which QEMU serves on a unix socket of the desktop's directory. The driver uses
// guest-set-user-password, so an RDP VM's login is the desktop's secret and nothing else (the secret
// never appears on a command line, in a file or on the guest's disk in clear), and, in its own vm
// image, guest-exec to start the RDP session ahead of the first connect.
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { lineReader, QmpError, within } from './qmp.ts';

/** The guest account an RDP VM is logged in to (the gateway's guacd sends this name, server/guac/settings.ts). */
export const RDP_GUEST_USER = 'deskport';

/** Opens the guest agent's socket and syncs (so nothing a former client left unread is taken for an answer). */
async function openSynced(path: string, syncMs: number) {
  const socket = connect({ path });
  const lines = lineReader(socket);
  try {
    await within(
      new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)),
      3_000,
      `connect to ${path} timed out`,
    );
    const id = randomInt(1, 2 ** 31);
    // 0xFF first: the guest agent drops whatever partial line an earlier client left (its documented reset).
    socket.write(Buffer.from([0xff]));
    socket.write(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } })}\n`);
    const synced = async (): Promise<void> => {
      for (;;) if ((await lines.next()).return === id) return;
    };
    await within(synced(), syncMs, 'the guest agent did not answer');
  } catch (err) {
    socket.destroy();
    throw err;
  }
  const call = async (command: string, args: Record<string, unknown>, ms: number): Promise<unknown> => {
    socket.write(`${JSON.stringify({ execute: command, arguments: args })}\n`);
    const answer = await within(lines.next(), ms, `the guest agent did not answer ${command}`);
    if ('error' in answer) {
      const e = answer.error as { desc?: unknown } | undefined;
      throw Object.assign(new QmpError(`${command} failed in the guest: ${String(e?.desc ?? 'unknown error').slice(0, 300)}`), {
        final: true,
      });
    }
    return answer.return;
  };
  return { call, close: () => socket.destroy() };
}

/**
 * Runs a program in the guest as root (guest-exec) with `stdin` as its input, and waits up to `ms` for
 * it to exit. Resolves its exit code and the tail of what it wrote.
 */
export async function guestExec(
  path: string,
  program: string,
  args: string[],
  stdin: string,
  ms: number,
): Promise<{ code: number; output: string }> {
  const qga = await openSynced(path, 3_000);
  try {
    const started = (await qga.call(
      'guest-exec',
      { path: program, arg: args, 'input-data': Buffer.from(stdin).toString('base64'), 'capture-output': true },
      10_000,
    )) as { pid?: unknown };
    if (typeof started?.pid !== 'number') throw new QmpError('guest-exec answered no pid');
    for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 200))) {
      const st = (await qga.call('guest-exec-status', { pid: started.pid }, 5_000)) as Record<string, unknown>;
      if (st.exited === true) {
        const text = (k: string) => (typeof st[k] === 'string' ? Buffer.from(st[k], 'base64').toString('utf8') : '');
        return { code: typeof st.exitcode === 'number' ? st.exitcode : -1, output: `${text('out-data')}${text('err-data')}`.slice(-1_000) };
      }
      if (Date.now() >= deadline) throw new QmpError(`${program} did not finish in ${ms} ms`);
    }
  } finally {
    qga.close();
  }
}

/** One connection: sync (so nothing a former client left unread is taken for an answer), then the command. */
async function setPasswordOnce(path: string, user: string, password: string, syncMs: number, callMs: number): Promise<void> {
  const qga = await openSynced(path, syncMs);
  try {
    await qga.call(
      'guest-set-user-password',
      { username: user, password: Buffer.from(password).toString('base64'), crypted: false },
      callMs,
    );
  } finally {
    qga.close();
  }
}

/**
 * Sets `user`'s password in the guest, trying until `until` (epoch ms) while the guest agent is not up
 * yet. Resolves null when set, or why not. `gaveUp` stops early (QEMU exited).
 */
export async function setGuestPassword(
  path: string,
  user: string,
  password: string,
  o: { until: number; signal?: AbortSignal; gaveUp: () => Promise<string | null> },
): Promise<string | null> {
  let last = 'the guest agent did not answer';
  for (;;) {
    if (o.signal?.aborted) return 'aborted';
    const reason = await o.gaveUp();
    if (reason) return reason;
    const left = o.until - Date.now();
    if (left <= 0) return `could not set the guest login: ${last} (does the image run QEMU's guest agent?)`;
    try {
      await setPasswordOnce(path, user, password, Math.min(3_000, left), Math.max(1_000, Math.min(30_000, left)));
      return null;
    } catch (err) {
      if ((err as { final?: boolean }).final) return `the guest refused the password of ${user}: ${(err as Error).message}`;
      last = (err as Error).message;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
