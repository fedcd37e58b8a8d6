// QEMU's guest agent (qemu-ga in the guest, or the virtio-win guest tools in Windows) over the VM's
// virtio-serial port, which QEMU serves on a unix socket of the desktop's directory. The driver uses
// one command: guest-set-user-password, so an RDP VM's login is the desktop's secret and nothing else
// (the secret never appears on a command line, in a file or on the guest's disk in clear).
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { lineReader, QmpError, within } from './qmp.ts';

/** The guest account an RDP VM is logged in to (the gateway's guacd sends this name, server/guac/settings.ts). */
export const RDP_GUEST_USER = 'deskport';

/** One connection: sync (so nothing a former client left unread is taken for an answer), then the command. */
async function setPasswordOnce(path: string, user: string, password: string, syncMs: number): Promise<void> {
  const socket = connect({ path });
  const lines = lineReader(socket);
  try {
    await within(
      new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)),
      3_000,
      `connect to ${path} timed out`,
    );
    const id = randomInt(1, 2 ** 31);
    socket.write(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } })}\n`);
    const synced = async (): Promise<void> => {
      for (;;) if ((await lines.next()).return === id) return;
    };
    await within(synced(), syncMs, 'the guest agent did not answer');
    const args = { username: user, password: Buffer.from(password).toString('base64'), crypted: false };
    socket.write(`${JSON.stringify({ execute: 'guest-set-user-password', arguments: args })}\n`);
    const answer = await within(lines.next(), 30_000, 'the guest agent did not confirm the password');
    if ('error' in answer) {
      const e = answer.error as { desc?: unknown } | undefined;
      throw Object.assign(new QmpError(`the guest refused the password of ${user}: ${String(e?.desc ?? 'unknown error').slice(0, 300)}`), {
        final: true,
      });
    }
  } finally {
    socket.destroy();
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
      await setPasswordOnce(path, user, password, Math.min(3_000, left));
      return null;
    } catch (err) {
      if ((err as { final?: boolean }).final) return (err as Error).message;
      last = (err as Error).message;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
