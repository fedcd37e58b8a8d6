// An existing SSH machine for tests: a real OpenSSH server on loopback (sshd.ts), a real guacd, a
// test gateway using it with the admin signed in, and the machine registered with the server's key.
// useSshMachineRig() starts all of it before a file's tests and stops it after, also on failure.
import { afterAll, beforeAll, expect } from 'vitest';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from './gateway.ts';
import type { GuacClient } from './guac-client.ts';
import { startGuacd, type GuacdProcess } from './guacd-process.ts';
import { startSshd, type TestSshd } from './sshd.ts';

export interface SshMachineRig {
  t: TestGateway;
  guacd: GuacdProcess;
  admin: Api;
  sshd: TestSshd;
  /** Closed after the file's tests. */
  clients: GuacClient[];
}

/** `env`: the gateway's extra environment (configuration). */
export function useSshMachineRig(env: Record<string, string> = {}): SshMachineRig {
  const rig = { clients: [] as GuacClient[] } as SshMachineRig;
  beforeAll(async () => {
    rig.sshd = await startSshd();
    rig.guacd = await startGuacd();
    rig.t = await startTestGateway({ guacd: rig.guacd.guacd, env });
    rig.admin = await signIn(rig.t.url, 'admin', ADMIN_PASSWORD);
  }, 90_000);
  afterAll(async () => {
    for (const c of rig.clients) c.close();
    await rig.t?.cleanup();
    await rig.guacd?.kill();
    await rig.sshd?.stop();
  }, 60_000);
  return rig;
}

/** Registers the test sshd as a shared-account machine reached by the gateway's first host; its id. */
export async function addSshMachine(admin: Api, sshd: TestSshd, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string }[];
  const m = await admin.post('/api/v1/admin/machines', {
    name,
    protocol: 'ssh',
    address: '127.0.0.1',
    port: sshd.port,
    hostId: hosts[0]!.id,
    credentialMode: 'shared',
    username: sshd.user,
    privateKey: sshd.privateKey,
    ...extra,
  });
  expect(m.status).toBe(201);
  expect(JSON.stringify(m.body)).not.toContain('PRIVATE KEY');
  return (m.body as { id: string }).id;
}
