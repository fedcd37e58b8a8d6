// Pools, hosts and host enrollment tokens. Deleting a pool or host leaves desktop
// and session rows alone (no FKs there): they are history, and the broker drains live ones first.
import {
  ENROLLMENT_TOKEN_COLUMNS,
  HOST_COLUMNS,
  POOL_COLUMNS,
  enrollmentTokenToRow,
  hostFromRow,
  hostToRow,
  poolFromRow,
  poolToRow,
  type EnrollmentTokenRow,
  type HostRow,
  type PoolRow,
} from './rows.ts';
import { insertSql, many, one, patcher, type Sql } from './sql.ts';
import type { Store } from './types.ts';

export type PoolMethods = Pick<
  Store,
  | 'createPool'
  | 'getPool'
  | 'getPoolByName'
  | 'listPools'
  | 'updatePool'
  | 'deletePool'
  | 'createHost'
  | 'getHost'
  | 'getHostByCredentialHash'
  | 'listHosts'
  | 'updateHost'
  | 'deleteHost'
  | 'createEnrollmentToken'
  | 'redeemEnrollmentToken'
>;

export function sqlPools(q: Sql): PoolMethods {
  const pool = {
    insert: insertSql('pools', POOL_COLUMNS),
    byId: 'SELECT * FROM pools WHERE id = ?',
    byName: 'SELECT * FROM pools WHERE name = ?',
    all: 'SELECT * FROM pools ORDER BY name, id',
    delete: 'DELETE FROM pools WHERE id = ?',
  };
  const host = {
    insert: insertSql('hosts', HOST_COLUMNS),
    byId: 'SELECT * FROM hosts WHERE id = ?',
    byCredential: 'SELECT * FROM hosts WHERE credential_hash = ?',
    all: 'SELECT * FROM hosts ORDER BY name, id',
    delete: 'DELETE FROM hosts WHERE id = ?',
  };
  const enrollment = {
    insert: insertSql('enrollment_tokens', ENROLLMENT_TOKEN_COLUMNS),
    // One statement: of two agents racing with the same token, exactly one gets a row back.
    consume: `UPDATE enrollment_tokens SET used_at = @now
      WHERE hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING hash`,
    byHash: 'SELECT * FROM enrollment_tokens WHERE hash = ?',
  };
  const patchPool = patcher(q, 'pools', POOL_COLUMNS, poolToRow, poolFromRow);
  const patchHost = patcher(q, 'hosts', HOST_COLUMNS, hostToRow, hostFromRow);

  return {
    async createPool(p) {
      return poolFromRow((await q.get<PoolRow>(pool.insert, poolToRow(p)))!);
    },
    getPool: (id) => one(q, pool.byId, [id], poolFromRow),
    getPoolByName: (name) => one(q, pool.byName, [name], poolFromRow),
    listPools: () => many(q, pool.all, [], poolFromRow),
    updatePool: (id, patch) => patchPool(id, patch),
    async deletePool(id) {
      return (await q.run(pool.delete, [id])) > 0;
    },

    async createHost(h) {
      return hostFromRow((await q.get<HostRow>(host.insert, hostToRow(h)))!);
    },
    getHost: (id) => one(q, host.byId, [id], hostFromRow),
    getHostByCredentialHash: (hash) => one(q, host.byCredential, [hash], hostFromRow),
    listHosts: () => many(q, host.all, [], hostFromRow),
    updateHost: (id, patch) => patchHost(id, patch),
    async deleteHost(id) {
      return (await q.run(host.delete, [id])) > 0;
    },

    async createEnrollmentToken(t) {
      await q.run(enrollment.insert, enrollmentTokenToRow(t));
    },
    async redeemEnrollmentToken(hash, now) {
      if ((await q.get(enrollment.consume, { hash, now })) !== undefined) return 'redeemed';
      // Only to explain the refusal: a token redeemed by a racing agent meanwhile reads as used.
      const row = await q.get<EnrollmentTokenRow>(enrollment.byHash, [hash]);
      return !row ? 'unknown' : row.used_at !== null ? 'used' : 'expired';
    },
  };
}
