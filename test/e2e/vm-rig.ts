// What the VM tests in Chromium stand on: a real gateway without the embedded agent (with a guacd
// when RDP is wanted), a real `bin/deskport agent --driver qemu` process for one desktop, and one
// qemu pool; and the teardown that ends every live session, stops the agent with every VM it
// recorded, and removes the gateway.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Guacd } from '../../server/guacd/guacd.ts';
import { startAgent, type TestAgent } from '../helpers/cluster.ts';
import { ADMIN_PASSWORD, endLiveSessions, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

export interface VmRig {
  t: TestGateway;
  admin: Api;
  host: TestAgent;
  poolId: string;
}

/** `pool` is the pool's body besides the driver (qemu) and one vCPU. */
export async function startVmRig(hostName: string, pool: Record<string, unknown>, guacd?: Guacd): Promise<VmRig> {
  const t = await startTestGateway({ embeddedAgent: false, ...(guacd ? { guacd } : {}) });
  const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const host = await startAgent(admin, t.url, `${hostName}-${randomBytes(2).toString('hex')}`, { driver: 'qemu', maxDesktops: 1 });
  const r = await admin.post('/api/v1/admin/pools', { driver: 'qemu', cpu: 1, ...pool });
  expect(r.status).toBe(201);
  return { t, admin, host, poolId: (r.body as { id: string }).id };
}

/** Safe on a rig that never started (its parts undefined). */
export async function stopVmRig(rig: Partial<VmRig> | undefined): Promise<void> {
  if (rig?.admin) await endLiveSessions(rig.admin);
  await rig?.host?.cleanup(); // the agent, then every VM it recorded
  await rig?.t?.cleanup();
}
