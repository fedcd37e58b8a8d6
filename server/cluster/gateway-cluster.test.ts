// A gateway's identity across restarts, and who counts as another gateway at start: over a real
// in-memory SQLite store with the several-gateways parts on (no signals travel on SQLite).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { createGatewayCluster, gatewayIdentity } from './gateway-cluster.ts';

let dir: string;
let store: Store;
const clock = new ManualClock();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-gw-id-'));
  store = openSqliteStore({ file: ':memory:' });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const cluster = (gatewayId: string, previousId: string | null, peerWaitMs?: number) =>
  createGatewayCluster({
    gatewayId,
    previousId,
    ...(peerWaitMs ? { peerWaitMs } : {}),
    store,
    clock,
    log: silentLogger(),
    detached: async () => undefined,
    severalGateways: true,
    agentTimeoutMs: 15_000,
  });
const beat = (id: string) => store.heartbeatGateway({ id, url: '', startedAt: clock.now(), seenAt: clock.now() });

describe('gateway identity', () => {
  it('a new id each start, remembering the previous run on the same data directory, kept private', () => {
    const first = gatewayIdentity(dir);
    expect(first.previous).toBeNull();
    const second = gatewayIdentity(dir);
    expect(second).toEqual({ id: expect.stringMatching(/^gw-[0-9a-f]+$/), previous: first.id });
    expect(second.id).not.toBe(first.id);
    expect(statSync(join(dir, 'gateway-id')).mode & 0o777).toBe(0o600);
  });

  it('a restart within 15 s is alone when only its own previous row is fresh, and drops that row', async () => {
    await beat('gw-01');
    await beat('gw-02');
    const c = cluster('gw-02', 'gw-01');
    expect(await c.others()).toBe(false);
    expect((await store.listGateways(0)).map((g) => g.id)).toEqual(['gw-02']); // the previous row went, its own is written
    await c.stop();
  });

  it('a fresh row of a gateway nobody hears (it died without a goodbye) does not count, after one round of listening', async () => {
    await beat('gw-0a');
    const c = cluster('gw-02', null, 300);
    const t0 = Date.now();
    expect(await c.others()).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect((await store.listGateways(0)).map((g) => g.id).sort()).toEqual(['gw-02', 'gw-0a']); // its own row is written first
    await c.stop();
  });
});
