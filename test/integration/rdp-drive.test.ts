// Files on an existing RDP machine: guacd's drive redirection onto a folder of the gateway, with real
// xrdp + xorgxrdp, real guacd, the gateway's /ws/rdp and a Guacamole client in Node. This checks the
// gateway's side: guacd offers the "Deskport" filesystem, an upload through it lands in the session's
// drive folder under the data dir (audited with its SHA-256) and downloads back byte for byte, and with
// uploads off the gateway refuses the stream. Whether the machine's own desktop shows the drive
// (xrdp's chansrv + FUSE, ~/thinclient_drives) is not checked here: the test xrdp runs without sesman
// and chansrv (see the report of issue 13).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionPolicyPatch } from '../../contract/api/policy.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startXrdp, type XrdpHandle } from '../helpers/xrdp.ts';
import { guacDownload, guacUpload, nextInstruction } from '../helpers/guac-files.ts';
import { encodeInstruction as enc } from '../../server/guac/instructions.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let xrdp: XrdpHandle;
let admin: Api;
const clients: GuacClient[] = [];
const servers: XrdpHandle[] = [];

beforeAll(async () => {
  [xrdp, guacd] = await Promise.all([startXrdp(), startGuacd()]);
  t = await startTestGateway({ guacd: guacd.guacd });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await guacd?.kill();
  await xrdp?.stop();
  for (const x of servers) await x.stop();
}, 60_000);

async function openMachine(name: string, policy: SessionPolicyPatch, server: XrdpHandle = xrdp) {
  const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string }[];
  const m = await admin.post('/api/v1/admin/machines', {
    name,
    protocol: 'rdp',
    address: '127.0.0.1',
    port: server.port,
    hostId: hosts[0]!.id,
    credentialMode: 'shared',
    username: 'svc-deskport',
    password: 'rdp-drive-test',
    security: 'tls',
    ignoreCert: true,
    policy,
  });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const s = await admin.post('/api/v1/sessions', { machineId: (m.body as { id: string }).id });
  const sessionId = (s.body as { session: { id: string } }).session.id;
  // A loaded machine may trip the gateway's admission check (503 overloaded): a fresh ticket, a little later.
  let c: GuacClient | undefined;
  for (let i = 0; !c; i++) {
    const tk = await admin.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    c = await GuacClient.open(t.url, (tk.body as { url: string }).url).catch(async (e: { status?: number }) => {
      if (e.status !== 503 || i >= 5) throw e;
      await new Promise((r) => setTimeout(r, 1000));
      return undefined;
    });
  }
  clients.push(c.keepAlive());
  await c
    .until('the drive filesystem', () => c.received.some((i) => i.opcode === 'filesystem'), 40_000)
    .catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await c.closed)} ${guacd.log().slice(-1500)}`);
    });
  const fs = c.received.find((i) => i.opcode === 'filesystem')!;
  return { c, fs: fs.args[0]!, fsName: fs.args[1]!, sessionId };
}

describe('files on an existing RDP machine (guacd drive redirection)', () => {
  it('an upload lands in the session’s drive folder on the gateway and downloads back the same', async () => {
    const { c, fs, fsName, sessionId } = await openMachine('RDP drive', {});
    expect(fsName).toBe('Shared Drive'); // guacd's name in the browser; the machine sees drive-name "Deskport"
    const drive = join(t.dataDir, 'guac-drives', sessionId);
    expect(statSync(drive).isDirectory()).toBe(true);
    const data = randomBytes(50_000);
    const acks = await guacUpload(c, fs, '21', '/report.bin', data);
    expect(acks.every((a) => a.args[2] === '0')).toBe(true);
    await expect.poll(() => existsSync(join(drive, 'report.bin')) && statSync(join(drive, 'report.bin')).size).toBe(data.length);
    expect(readFileSync(join(drive, 'report.bin')).equals(data)).toBe(true);
    expect((await guacDownload(c, fs, '/report.bin')).equals(data)).toBe(true);
    const sha = createHash('sha256').update(data).digest('hex');
    await expect
      .poll(async () => {
        const audit = (await admin.get('/api/v1/admin/audit?limit=50')).body as {
          action: string;
          target: string;
          details: Record<string, unknown>;
        }[];
        return audit.filter((a) => a.target === sessionId).map((a) => [a.action, a.details.sha256]);
      })
      .toEqual(
        expect.arrayContaining([
          ['file.upload', sha],
          ['file.download', sha],
        ]),
      );
  }, 120_000);

  it('an upload cancelled midway, or cut by a dropped connection, leaves nothing in the drive folder', async () => {
    const third = await startXrdp();
    servers.push(third);
    const { c, fs, sessionId } = await openMachine('RDP drive, cancel', {}, third);
    const drive = join(t.dataDir, 'guac-drives', sessionId);
    // put + two acknowledged blobs: guacd has made the file and written into it.
    const started = async (stream: string, name: string) => {
      let ack = nextInstruction(c, 'put ack', (i) => i.opcode === 'ack' && i.args[0] === stream);
      c.send(enc('put', fs, stream, 'application/octet-stream', name));
      expect((await ack).args[2]).toBe('0');
      for (let i = 0; i < 2; i++) {
        ack = nextInstruction(c, 'blob ack', (x) => x.opcode === 'ack' && x.args[0] === stream);
        c.send(enc('blob', stream, randomBytes(6048).toString('base64')));
        expect((await ack).args[2]).toBe('0');
      }
      await expect.poll(() => existsSync(join(drive, name.slice(1))) && statSync(join(drive, name.slice(1))).size).toBe(2 * 6048);
    };
    await started('31', '/cancelled.bin');
    const answer = nextInstruction(c, 'the partial answer', (i) => i.opcode === 'deskport-partial' && i.args[0] === '31');
    c.send(enc('deskport-cancel', '31') + enc('end', '31'));
    expect((await answer).args.slice(1)).toEqual(['removed', String(2 * 6048)]);
    expect(existsSync(join(drive, 'cancelled.bin'))).toBe(false);

    await started('32', '/dropped.bin');
    c.close();
    await expect.poll(() => existsSync(join(drive, 'dropped.bin')), { timeout: 15_000 }).toBe(false);
    expect(existsSync(drive)).toBe(true); // the gateway removed the file; the folder itself lives on a minute
    await expect
      .poll(async () => {
        const audit = (await admin.get('/api/v1/admin/audit?action=file.upload&limit=50')).body as {
          target: string;
          result: string;
          details: { name: string; reason?: string };
        }[];
        return audit.filter((a) => a.target === sessionId).map((a) => [a.details.name, a.result, a.details.reason]);
      })
      .toEqual(
        expect.arrayContaining([
          ['/cancelled.bin', 'failed', 'cancelled by the person; the partial file was removed'],
          ['/dropped.bin', 'failed', 'the connection closed during the transfer; the partial file was removed'],
        ]),
      );
  }, 120_000);

  it('with uploads off the gateway refuses the stream and the drive folder stays empty', async () => {
    // Its own xrdp: xorgxrdp gives a display to one client, and the first test's may still be leaving.
    const second = await startXrdp();
    servers.push(second);
    const { c, fs, sessionId } = await openMachine('RDP drive, no uploads', { fileUpload: false }, second);
    const acks = await guacUpload(c, fs, '22', '/refused.bin', Buffer.from('never'));
    expect(acks.map((a) => a.args.slice(1))).toEqual([['uploads are turned off for this desktop', String(0x0303)]]);
    expect(existsSync(join(t.dataDir, 'guac-drives', sessionId, 'refused.bin'))).toBe(false);
  }, 120_000);
});
