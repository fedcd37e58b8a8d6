// `bin/deskport vault rotate` on a real gateway's data directory: every stored machine secret is
// re-encrypted with a new key file, the old key is kept as vault.key.previous, and the restarted
// gateway still hands guacd the same login.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'deskport-rotate-'));
let t: TestGateway | undefined;
afterAll(async () => {
  await t?.cleanup(); // removes dataDir too
  rmSync(dataDir, { recursive: true, force: true });
});

it('re-encrypts stored secrets with a new key and the gateway reads them after a restart', async () => {
  t = await startTestGateway({ dataDir });
  let admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string }[];
  const m = await admin.post('/api/v1/admin/machines', {
    name: 'rotated',
    protocol: 'ssh',
    address: '10.1.2.3',
    port: 22,
    hostId: hosts[0]!.id,
    credentialMode: 'shared',
    username: 'svc',
    password: 'Rotate-Me-31337',
    privateKey: 'KEY-MATERIAL-4242',
  });
  expect(m.status).toBe(201);
  const machineId = (m.body as { id: string }).id;
  const keyFile = join(dataDir, 'vault.key');
  const before = readFileSync(keyFile, 'utf8');
  await t.stop();

  const r = spawnSync(join(process.cwd(), 'bin/deskport'), ['vault', 'rotate', '--data', dataDir], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Re-encrypted 2 secret\(s\): key [0-9a-f]{16} → [0-9a-f]{16}\n$/);
  expect(readFileSync(`${keyFile}.previous`, 'utf8')).toBe(before);
  expect(readFileSync(keyFile, 'utf8')).not.toBe(before);
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  expect(existsSync(`${keyFile}.next`)).toBe(false);

  // Without the old key the secrets must still open: only the new key is needed now.
  rmSync(`${keyFile}.previous`);
  t = await startTestGateway({ dataDir });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const s = await admin.post('/api/v1/sessions', { machineId });
  expect(s.status).toBe(201);
  const c = await t.gw.machines.machineConnection((s.body as { session: { id: string } }).session.id);
  expect(c.settings).toEqual({ username: 'svc', password: 'Rotate-Me-31337', 'private-key': 'KEY-MATERIAL-4242' });
});
