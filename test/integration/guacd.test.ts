// "RDP needs guacd": a real gateway without guacd lists its RDP pool as unavailable (users and
// admins), refuses to launch it with 503 guacd_unavailable and still serves VNC; with the real guacd
// supervised, the same pool is available and /readyz and /metrics say guacd is up.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import type { GuacdStatus } from '../../server/guacd/guacd.ts';
import { locateGuacd } from '../../server/guacd/locate.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

interface PoolJson {
  id: string;
  name: string;
  protocol: string;
  unavailable?: string;
}

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function withRdpPool(env: Record<string, string>) {
  t = await startTestGateway({ env, embeddedAgent: false });
  const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const created = await api.post('/api/v1/admin/pools', { name: 'Windows-like (RDP)', driver: 'process', protocol: 'rdp' });
  expect(created.status).toBe(201);
  const rdp = created.body as PoolJson;
  const list = async () => {
    const user = (await api.get('/api/v1/pools')).body as PoolJson[];
    const admin = (await api.get('/api/v1/admin/pools')).body as PoolJson[];
    return { user, admin, rdpUser: user.find((p) => p.id === rdp.id)!, vncUser: user.find((p) => p.protocol === 'vnc')! };
  };
  return { api, rdp, list, gw: t };
}

describe('RDP needs guacd', () => {
  it('without guacd an RDP pool says so, cannot launch, and VNC pools are untouched', async () => {
    const { api, rdp, list, gw } = await withRdpPool({ DESKPORT_GUACD: 'off' });
    const { rdpUser, vncUser, admin } = await list();
    expect(rdpUser.unavailable).toMatch(/^RDP needs guacd, which is not installed on this gateway\. Ask your admin/);
    expect(vncUser.unavailable).toBeUndefined();
    const rdpAdmin = admin.find((p) => p.id === rdp.id)!;
    expect(rdpAdmin.unavailable).toMatch(/^RDP needs guacd: this gateway was started without it \(--no-guacd\)/);
    expect(admin.find((p) => p.protocol === 'vnc')!.unavailable).toBeUndefined();

    const launch = await api.post('/api/v1/sessions', { poolId: rdp.id });
    expect(launch.status).toBe(503);
    expect(launch.body).toMatchObject({ error: { code: 'guacd_unavailable', message: rdpUser.unavailable } });
    // the VNC pool is not refused for guacd (no host here, so it fails for capacity instead)
    const vnc = await api.post('/api/v1/sessions', { poolId: vncUser.id });
    expect((vnc.body as { error: { code: string } }).error.code).toBe('no_capacity');

    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', guacd: 'absent' });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^deskport_guacd_up 0$/m);
    expect(metrics).toMatch(/^deskport_guacd_restarts_total 0$/m);
  });

  it('with the real guacd supervised the RDP pool is available and /readyz and /metrics say up', async () => {
    const found = locateGuacd(loadConfig({}).guacdSearch);
    if (!found.found) throw new Error('this test needs guacd: run infra/setup.sh --with-test-tools');
    const { api, rdp, list, gw } = await withRdpPool({ DESKPORT_GUACD_BIN: found.bin });
    await new Promise<GuacdStatus>((resolve) => {
      const g = gw.gw.guacd;
      if (g.status().state === 'up') return resolve(g.status());
      const off = g.onChange!((s) => s.state === 'up' && (off(), resolve(s)));
    });
    const { rdpUser, admin } = await list();
    expect(rdpUser.unavailable).toBeUndefined();
    expect(admin.find((p) => p.id === rdp.id)!.unavailable).toBeUndefined();
    // no longer refused for guacd: it goes on to look for a host (there is none in this test)
    const launch = await api.post('/api/v1/sessions', { poolId: rdp.id });
    expect((launch.body as { error: { code: string } }).error.code).toBe('no_capacity');

    expect(await (await fetch(`${gw.url}/readyz`)).json()).toMatchObject({ status: 'ready', guacd: 'up' });
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(/^deskport_guacd_up 1$/m);
  });
});
