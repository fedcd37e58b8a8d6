// RDP/SSH recording by guacd with real parts: an SSH machine whose policy records, a real OpenSSH
// server, real guacd and the Node Guacamole client on /ws/rdp. guacd writes the `.guac` file into the
// recordings directory; when the connection ends the gateway hashes it, the row is finished and the
// audit holds the same SHA-256; the session said recordingActive while it ran.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordingList, RecordingView } from '../../contract/api/recordings.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { until } from '../helpers/until.ts';
import { addSshMachine, useSshMachineRig } from '../helpers/ssh-machine.ts';

const rig = useSshMachineRig();

describe('guacd recording of an SSH machine', () => {
  it('records the connection into a .guac file whose SHA-256 is audited', async () => {
    const machineId = await addSshMachine(rig.admin, rig.sshd, 'Recorded SSH');
    expect((await rig.admin.call('PATCH', `/api/v1/admin/machines/${machineId}`, { policy: { recording: 'on' } })).status).toBe(200);
    const s = await rig.admin.post('/api/v1/sessions', { machineId });
    const sessionId = (s.body as { session: { id: string } }).session.id;
    const tk = await rig.admin.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    const c = await GuacClient.open(rig.t.url, (tk.body as { url: string }).url);
    rig.clients.push(c);
    await c.firstImage();
    c.type('echo recorded-marker\n');
    expect(
      ((await rig.admin.get(`/api/v1/sessions/${sessionId}`)).body as { session: { recordingActive?: boolean } }).session.recordingActive,
    ).toBe(true);
    const live = ((await rig.admin.get(`/api/v1/recordings?machine=${machineId}`)).body as RecordingList).items[0]!;
    expect(live).toMatchObject({ kind: 'guac', state: 'recording', machineName: 'Recorded SSH' });
    await new Promise((r) => setTimeout(r, 1000)); // some screen for the file
    c.close();
    const done = await until(
      'the .guac recording finished',
      async () => {
        const v = (await rig.admin.get(`/api/v1/recordings/${live.id}`)).body as RecordingView;
        return v.state !== 'recording' && v;
      },
      30_000,
    );
    expect(done.state).toBe('finished');
    const bytes = readFileSync(join(rig.t.dataDir, 'recordings', `${live.id}.guac`));
    // A Guacamole protocol dump: LENGTH.OPCODE,… instructions.
    expect(bytes.subarray(0, 64).toString()).toMatch(/^\d+\.[a-z]+[,;]/);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(done.parts).toEqual([{ n: 0, bytes: bytes.length, sha256: sha }]);
    const audit = (await rig.admin.get('/api/v1/admin/audit?action=recording.finished&limit=20')).body as {
      target: string;
      details: { sha256?: string };
    }[];
    expect(audit.find((e) => e.target === live.id)?.details.sha256).toBe(sha);
    expect(
      ((await rig.admin.get(`/api/v1/sessions/${sessionId}`)).body as { session: { recordingActive?: boolean } }).session.recordingActive,
    ).toBe(false);
    expect((await rig.admin.get(`/api/v1/recordings/${live.id}/index`)).status).toBe(409);
    const part = await fetch(`${rig.t.url}/api/v1/recordings/${live.id}/parts/0`, { headers: { cookie: rig.admin.cookie } });
    expect(part.headers.get('x-recording-sha256')).toBe(sha);
  }, 90_000);
});
