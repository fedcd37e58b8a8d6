// An existing RDP machine for browser tests, all real parts: a process-driver RDP desktop (xrdp +
// xorgxrdp) exposed on a loopback TCP port (each connection is an RDP stream of the driver, as an agent
// would open one), a guacd, and a test gateway where the admin registered it as a machine with a shared
// login, plus the users erin (user) and hugh (helpdesk). cleanup() stops all of it, also after a start
// that failed halfway.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'vitest';
import { createProcessDriver, type ProcessDriver } from '../../agents/process/driver.ts';
import { removeAllDesktops, tempDataDir } from '../../agents/process/testing.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from './gateway.ts';
import { startGuacd, type GuacdProcess } from './guacd-process.ts';

export interface RdpMachineRig {
  t: TestGateway;
  admin: Api;
  driver: ProcessDriver;
  desktopId: string;
  machineId: string;
  cleanup(): Promise<void>;
}

export async function startRdpMachineRig(o: { name: string; idPrefix: string; policy?: Record<string, unknown> }): Promise<RdpMachineRig> {
  const desktopId = `${o.idPrefix}-${randomBytes(4).toString('hex')}`;
  const links: Socket[] = [];
  let t: TestGateway | undefined;
  let guacd: GuacdProcess | undefined;
  let forward: Server | undefined;
  const driverDir = await tempDataDir();
  const driver = createProcessDriver({ dataDir: driverDir });
  const cleanup = async (): Promise<void> => {
    await t?.cleanup();
    for (const l of links) l.destroy();
    forward?.close();
    await driver.destroy(desktopId);
    await driver.close();
    await removeAllDesktops(driverDir);
    await guacd?.kill();
  };
  try {
    guacd = await startGuacd();
    [t] = await Promise.all([
      startTestGateway({ guacd: guacd.guacd }),
      driver.create({ desktopId, secret: randomBytes(9).toString('base64url'), persistence: 'pooled', protocol: 'rdp' }),
    ]);
    const server = createServer((c) => {
      links.push(c);
      driver.openStream(desktopId, 'rdp').then(
        (s) => {
          links.push(s);
          c.pipe(s).pipe(c);
          c.once('close', () => s.destroy());
          s.once('close', () => c.destroy());
        },
        () => c.destroy(),
      );
    });
    forward = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['erin', ['user']],
      ['hugh', ['helpdesk']],
    ] as const)
      expect((await admin.post('/api/v1/admin/users', { username, password: `${username}-password-1`, roles })).status).toBe(201);
    const host = ((await admin.get('/api/v1/admin/hosts')).body as { id: string }[])[0]!;
    const made = await admin.post('/api/v1/admin/machines', {
      name: o.name,
      protocol: 'rdp',
      address: '127.0.0.1',
      port: (server.address() as { port: number }).port,
      hostId: host.id,
      credentialMode: 'shared',
      username: 'svc-deskport', // xrdp without sesman checks no password (agents/process/rdp.ts)
      password: 'any-password-1',
      security: 'tls',
      ignoreCert: true,
      ...(o.policy ? { policy: o.policy } : {}),
    });
    expect(made.status).toBe(201);
    return { t, admin, driver, desktopId, machineId: (made.body as { id: string }).id, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
