// Pool administration: create, change and delete pools, each audited with the admin as actor.
// Entitled groups must exist, names are unique, and a pool with live sessions is not deleted.
import { completePolicy } from '../../contract/api/policy.ts';
import { NETWORK_DRIVERS, POOL_DEFAULTS, type PoolCreate, type PoolPatch } from '../../contract/api/admin.ts';
import type { Audit } from '../audit.ts';
import type { AccessChanges } from '../auth/deps.ts';
import type { Clock } from '../clock.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import type { Pool, Store } from '../store/types.ts';
import { newId } from '../util/random.ts';
import type { Guacd } from '../guacd/guacd.ts';
import { unavailableFor } from '../guacd/messages.ts';
import { NO_GUACD } from '../guacd/guacd.ts';

/** Who asks, for the audit trail. */
export interface AdminActor {
  actor: string;
  ip: string | null;
}

export function createPoolAdmin(deps: { store: Store; audit: Audit; clock: Clock; access: AccessChanges; guacd?: Guacd }) {
  const { store, audit, clock } = deps;

  /** Entitled groups must exist: a typo would silently make a pool usable by nobody. */
  async function checkGroups(ids: readonly string[] | undefined): Promise<void> {
    if (!ids?.length) return;
    const known = new Set((await store.listGroups()).map((g) => g.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length)
      throw invalid(`Please check the groups: no group has the id ${unknown.join(', ')}.`, [
        { field: 'groups', problem: `unknown group id ${unknown.join(', ')}` },
      ]);
  }

  /** A network only the drivers that build it: a docker or process pool cannot honour 'restricted'. */
  function checkNetwork(driver: Pool['driver'], network: Pool['network']): void {
    if (network === 'none' || NETWORK_DRIVERS[network].includes(driver)) return;
    throw invalid(`The ${network} network is for ${NETWORK_DRIVERS[network].join(' and ')} pools; this pool's driver is ${driver}.`, [
      { field: 'network', problem: `${network} needs the ${NETWORK_DRIVERS[network].join(' or ')} driver` },
    ]);
  }

  return {
    /** Every pool; an RDP pool says so while guacd is absent or down (the admin's line: what to do). */
    async list(): Promise<(Pool & { unavailable?: string })[]> {
      const guacd = (deps.guacd ?? NO_GUACD).status();
      return (await store.listPools()).map((p) => {
        const unavailable = unavailableFor(p.protocol, guacd, 'admin');
        return unavailable ? { ...p, unavailable } : p;
      });
    },
    async get(id: string): Promise<Pool> {
      const p = await store.getPool(id);
      if (!p) throw notFound('pool');
      return p;
    },
    async create(body: PoolCreate, by: AdminActor): Promise<Pool> {
      checkNetwork(body.driver, body.network ?? POOL_DEFAULTS.network);
      await checkGroups(body.groups);
      if (await store.getPoolByName(body.name)) throw conflict('name_taken', `A pool named “${body.name}” exists already.`);
      const pool = await store.createPool({
        ...POOL_DEFAULTS,
        ...body,
        groups: [...(body.groups ?? [])],
        policy: completePolicy(body.policy),
        id: newId('p'),
        createdAt: clock.now(),
      });
      await audit.record({
        actor: by.actor,
        action: 'pool.create',
        target: pool.id,
        result: 'ok',
        ip: by.ip,
        details: { name: pool.name },
      });
      return pool;
    },
    async update(id: string, patch: PoolPatch, by: AdminActor): Promise<Pool> {
      await checkGroups(patch.groups);
      if (patch.name !== undefined) {
        const other = await store.getPoolByName(patch.name);
        if (other && other.id !== id) throw conflict('name_taken', `A pool named “${patch.name}” exists already.`);
      }
      const { policy, ...fields } = patch;
      const cur = policy || patch.driver || patch.network ? await store.getPool(id) : null;
      if ((policy || patch.driver || patch.network) && !cur) throw notFound('pool');
      if (cur) checkNetwork(patch.driver ?? cur.driver, patch.network ?? cur.network);
      const pool = await store.updatePool(id, cur && policy ? { ...fields, policy: completePolicy({ ...cur.policy, ...policy }) } : fields);
      if (!pool) throw notFound('pool');
      await audit.record({
        actor: by.actor,
        action: 'pool.update',
        target: id,
        result: 'ok',
        ip: by.ip,
        details: { fields: Object.keys(patch), ...(policy ? { policy } : {}) },
      });
      // Fewer entitled groups: people left outside lose their desktops in this pool now (access.ts).
      if (patch.groups !== undefined) await deps.access.poolChanged(id, { actor: by.actor, ip: by.ip, cause: 'pool.update' });
      return pool;
    },
    async remove(id: string, by: AdminActor): Promise<void> {
      if ((await store.countLiveSessions({ poolId: id })) > 0) throw conflict('pool_in_use', 'The pool has live sessions; end them first.');
      if (!(await store.deletePool(id))) throw notFound('pool');
      await audit.record({ actor: by.actor, action: 'pool.delete', target: id, result: 'ok', ip: by.ip, details: {} });
    },
  };
}

export type PoolAdmin = ReturnType<typeof createPoolAdmin>;
