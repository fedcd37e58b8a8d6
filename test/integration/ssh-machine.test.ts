// An existing SSH machine shown in the browser's protocol end to end, with real parts: a machine an
// admin registers (shared account, private key kept in the vault), a real OpenSSH server on a
// loopback port (its own config and host key), the embedded agent dialling it (stream.connect), the
// gateway's one-connection forward, a real guacd and a Guacamole client in Node on /ws/rdp. A
// command typed into the terminal runs on the server (checked by the file it creates), so the
// credentials reached guacd server-side; the browser side never saw them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuacClient } from '../helpers/guac-client.ts';
import { addSshMachine, useSshMachineRig } from '../helpers/ssh-machine.ts';

const rig = useSshMachineRig();

describe('an existing SSH machine through /ws/rdp', () => {
  it('shows the terminal, runs what is typed with the vault’s key, and never hands the key out', async () => {
    const machineId = await addSshMachine(rig.admin, rig.sshd, 'Loopback SSH');
    const s = await rig.admin.post('/api/v1/sessions', { machineId });
    expect(s.status).toBe(201);
    const sessionId = (s.body as { session: { id: string; protocol: string } }).session.id;
    const tk = await rig.admin.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    expect(tk.status).toBe(201);
    const ticket = tk.body as { url: string; protocol: string };
    expect(ticket.protocol).toBe('ssh');
    expect(ticket.url).toMatch(/^\/ws\/rdp\?token=/);

    const c = await GuacClient.open(rig.t.url, ticket.url);
    rig.clients.push(c);
    await c.firstImage().catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await c.closed)} ${JSON.stringify(c.received.slice(-5))}`);
    });
    const marker = join(rig.sshd.dir, 'ssh-typed');
    const deadline = Date.now() + 15_000;
    while (!existsSync(marker) && Date.now() < deadline) {
      c.type(`touch ${marker}\n`);
      for (let i = 0; i < 20 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    }
    expect(existsSync(marker)).toBe(true);
    expect(c.received.some((i) => i.args.some((a) => a.includes('PRIVATE KEY')))).toBe(false);
    c.close();
  }, 60_000);
});
