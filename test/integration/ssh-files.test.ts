// Files on an existing SSH machine through guacd's SFTP, with real parts: a real OpenSSH server (its
// internal-sftp), a real guacd, the gateway's /ws/rdp and a Guacamole client in Node speaking the
// filesystem-object protocol as guacamole-common-js does. An upload lands in the account's home with
// the account as owner and is audited with its SHA-256; a download gives the same bytes back; with
// uploads turned off in the machine's policy the gateway refuses the stream and nothing is written.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionPolicyPatch } from '../../contract/api/policy.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { addSshMachine, useSshMachineRig } from '../helpers/ssh-machine.ts';
import { guacDownload, guacUpload } from '../helpers/guac-files.ts';

const written: string[] = [];
const HOME = process.getuid?.() === 0 ? '/root' : `/home/${process.env.USER}`;

const rig = useSshMachineRig();

afterAll(async () => {
  for (const f of written) rmSync(f, { force: true });
}, 60_000);

/** A machine with `policy`, a session on it, and its display open until guacd offers the SFTP filesystem. */
async function openMachine(name: string, policy: SessionPolicyPatch): Promise<{ c: GuacClient; fs: string; sessionId: string }> {
  const machineId = await addSshMachine(rig.admin, rig.sshd, name, { policy });
  const s = await rig.admin.post('/api/v1/sessions', { machineId });
  const sessionId = (s.body as { session: { id: string } }).session.id;
  const tk = await rig.admin.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
  const c = await GuacClient.open(rig.t.url, (tk.body as { url: string }).url);
  rig.clients.push(c);
  await c
    .until('the SFTP filesystem', () => c.received.some((i) => i.opcode === 'filesystem'), 30_000)
    .catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await c.closed)} ${rig.guacd.log()}`);
    });
  const fs = c.received.find((i) => i.opcode === 'filesystem')!.args[0]!;
  return { c, fs, sessionId };
}

describe('files on an existing SSH machine (SFTP through guacd)', () => {
  it('uploads into the home with the account as owner, downloads the same bytes, audits both with SHA-256', async () => {
    const { c, fs, sessionId } = await openMachine('SFTP on', {});
    const name = `deskport-sftp-${randomBytes(4).toString('hex')}.bin`;
    const data = randomBytes(20_000);
    written.push(`${HOME}/${name}`);
    const acks = await guacUpload(c, fs, '11', `/${name}`, data);
    expect(acks.every((a) => a.args[2] === '0')).toBe(true);
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 10_000;
      const poll = () =>
        existsSync(`${HOME}/${name}`) && statSync(`${HOME}/${name}`).size === data.length
          ? resolve()
          : Date.now() > deadline
            ? reject(new Error('the upload never reached the disk'))
            : setTimeout(poll, 50);
      poll();
    });
    expect(readFileSync(`${HOME}/${name}`).equals(data)).toBe(true);
    expect(statSync(`${HOME}/${name}`).uid).toBe(process.getuid?.());
    expect((await guacDownload(c, fs, `/${name}`)).equals(data)).toBe(true);
    const sha = createHash('sha256').update(data).digest('hex');
    await expect
      .poll(async () => {
        const audit = (await rig.admin.get('/api/v1/admin/audit?limit=50')).body as {
          action: string;
          target: string;
          details: Record<string, unknown>;
        }[];
        return audit
          .filter((a) => a.target === sessionId && a.action.startsWith('file.'))
          .map((a) => [a.action, a.details.sha256, a.details.size]);
      })
      .toEqual(
        expect.arrayContaining([
          ['file.upload', sha, data.length],
          ['file.download', sha, data.length],
        ]),
      );
  }, 90_000);

  it('with uploads off, the gateway refuses the stream and nothing is written; downloads still work', async () => {
    const { c, fs } = await openMachine('SFTP no upload', { fileUpload: false });
    const name = `deskport-sftp-refused-${randomBytes(4).toString('hex')}.bin`;
    written.push(`${HOME}/${name}`);
    const acks = await guacUpload(c, fs, '12', `/${name}`, Buffer.from('never'));
    expect(acks).toHaveLength(1);
    expect(acks[0]!.args.slice(1)).toEqual(['uploads are turned off for this desktop', String(0x0303)]);
    // A listing of the home (a download of a directory index) still works, and the file is not there.
    const listing = (await guacDownload(c, fs, '/')).toString();
    expect(listing).not.toContain(name);
    expect(existsSync(`${HOME}/${name}`)).toBe(false);
  }, 90_000);
});
