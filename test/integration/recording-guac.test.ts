// RDP/SSH recording by guacd with real parts: an SSH machine whose policy records, a real OpenSSH
// server, real guacd and the Node Guacamole client on /ws/rdp. guacd writes the `.guac` file into the
// recordings directory; when the connection ends the gateway hashes it, the row is finished and the
// audit holds the same SHA-256; the session said recordingActive while it ran.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingList, RecordingView } from '../../contract/api/recordings.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startSshd, type TestSshd } from '../helpers/sshd.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let admin: Api;
let sshd: TestSshd;
const clients: GuacClient[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: guacd.guacd });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await guacd?.kill();
  await sshd?.stop();
}, 60_000);

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('guacd recording of an SSH machine', () => {
  it('records the connection into a .guac file whose SHA-256 is audited', async () => {
    const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string }[];
    const m = await admin.post('/api/v1/admin/machines', {
      name: 'Recorded SSH',
      protocol: 'ssh',
      address: '127.0.0.1',
      port: sshd.port,
      hostId: hosts[0]!.id,
      credentialMode: 'shared',
      username: sshd.user,
      privateKey: sshd.privateKey,
    });
    expect(m.status).toBe(201);
    const machineId = (m.body as { id: string }).id;
    expect((await admin.call('PATCH', `/api/v1/admin/machines/${machineId}`, { policy: { recording: 'on' } })).status).toBe(200);
    const s = await admin.post('/api/v1/sessions', { machineId });
    const sessionId = (s.body as { session: { id: string } }).session.id;
    const tk = await admin.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    const c = await GuacClient.open(t.url, (tk.body as { url: string }).url);
    clients.push(c);
    await c.firstImage();
    c.type('echo recorded-marker\n');
    expect(
      ((await admin.get(`/api/v1/sessions/${sessionId}`)).body as { session: { recordingActive?: boolean } }).session.recordingActive,
    ).toBe(true);
    const live = ((await admin.get(`/api/v1/recordings?machine=${machineId}`)).body as RecordingList).items[0]!;
    expect(live).toMatchObject({ kind: 'guac', state: 'recording', machineName: 'Recorded SSH' });
    await new Promise((r) => setTimeout(r, 1000)); // some screen for the file
    c.close();
    const done = await until(
      'the .guac recording finished',
      async () => {
        const v = (await admin.get(`/api/v1/recordings/${live.id}`)).body as RecordingView;
        return v.state !== 'recording' && v;
      },
      30_000,
    );
    expect(done.state).toBe('finished');
    const bytes = readFileSync(join(t.dataDir, 'recordings', `${live.id}.guac`));
    // A Guacamole protocol dump: LENGTH.OPCODE,… instructions.
    expect(bytes.subarray(0, 64).toString()).toMatch(/^\d+\.[a-z]+[,;]/);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(done.parts).toEqual([{ n: 0, bytes: bytes.length, sha256: sha }]);
    const audit = (await admin.get('/api/v1/admin/audit?action=recording.finished&limit=20')).body as {
      target: string;
      details: { sha256?: string };
    }[];
    expect(audit.find((e) => e.target === live.id)?.details.sha256).toBe(sha);
    expect(
      ((await admin.get(`/api/v1/sessions/${sessionId}`)).body as { session: { recordingActive?: boolean } }).session.recordingActive,
    ).toBe(false);
    expect((await admin.get(`/api/v1/recordings/${live.id}/index`)).status).toBe(409);
    const part = await fetch(`${t.url}/api/v1/recordings/${live.id}/parts/0`, { headers: { cookie: admin.cookie } });
    expect(part.headers.get('x-recording-sha256')).toBe(sha);
  }, 90_000);
});
