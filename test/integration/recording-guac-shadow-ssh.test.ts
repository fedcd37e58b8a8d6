// Recording policy `shadow` on an existing SSH machine, with real parts (OpenSSH on loopback, guacd,
// the gateway, the owner's display as the Node Guacamole client): the same gateway join as for RDP
// (recording-guac-shadow.test.ts) records the terminal while a shadow is approved, and a session that
// ends stops it. The owner's display does not answer the snapshot request here: guacd's own picture
// stays (an SSH terminal is never resized by the shadow banner).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordingList } from '../../contract/api/recordings.ts';
import { createInstructionParser } from '../../server/guac/instructions.ts';
import { signIn, type Api } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { recordingEnded } from '../helpers/recording.ts';
import { until } from '../helpers/until.ts';
import { addSshMachine, useSshMachineRig } from '../helpers/ssh-machine.ts';

const rig = useSshMachineRig();
let owner: Api;
let helper: Api;

beforeAll(async () => {
  for (const [name, roles] of [
    ['rita', ['user']],
    ['hank', ['helpdesk']],
  ] as const)
    expect((await rig.admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  owner = await signIn(rig.t.url, 'rita', 'rita-password-1');
  helper = await signIn(rig.t.url, 'hank', 'hank-password-1');
}, 30_000);

describe('shadow-only recording of an SSH machine', () => {
  it('records the terminal while a shadow is approved and stops when the session ends', async () => {
    const machineId = await addSshMachine(rig.admin, rig.sshd, 'Shadow-recorded SSH', { policy: { recording: 'shadow' } });
    const s = await owner.post('/api/v1/sessions', { machineId });
    const sessionId = (s.body as { session: { id: string } }).session.id;
    const tk = await owner.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    const c = await GuacClient.open(rig.t.url, (tk.body as { url: string }).url);
    rig.clients.push(c);
    await c.firstImage();
    c.type('echo before-the-shadow\n');
    await new Promise((r) => setTimeout(r, 1000));
    const list = async () => ((await rig.admin.get(`/api/v1/recordings?machine=${machineId}`)).body as RecordingList).items;
    expect(await list()).toEqual([]);

    const ask = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'ticket #13: ssh' });
    const shadowId = (ask.body as { shadow: { id: string } }).shadow.id;
    expect((await owner.post(`/api/v1/shadows/${shadowId}/approve`)).status).toBe(200);
    const live = await until('a shadow recording', async () => (await list())[0], 15_000);
    expect(live).toMatchObject({ kind: 'guac', trigger: 'shadow', state: 'recording' });
    c.type('echo while-shadowed\n');
    await new Promise((r) => setTimeout(r, 1500));

    expect((await owner.call('DELETE', `/api/v1/sessions/${sessionId}`)).status).toBeLessThan(300);
    const done = await recordingEnded(rig.admin, live.id);
    expect(done.state, JSON.stringify(done)).toBe('finished');
    const bytes = readFileSync(join(rig.t.dataDir, 'recordings', `${live.id}.guac`));
    expect(done.parts).toEqual([{ n: 0, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }]);
    const audit = (await rig.admin.get('/api/v1/admin/audit?action=recording.stopped&limit=50')).body as {
      target: string;
      details: { reason?: string };
    }[];
    expect(audit.find((e) => e.target === live.id)?.details.reason).toBe('session ended');
    const parser = createInstructionParser({ maxInstructionChars: 1024 * 1024, maxElements: 64 });
    const ops = new Set(parser.push(bytes.toString('utf8')).map((i) => i.opcode));
    for (const op of ['size', 'img', 'sync']) expect(ops).toContain(op);
    expect(parser.pending()).toBe(0);
  }, 90_000);
});
