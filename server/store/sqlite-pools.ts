// SQLite store: pools, hosts and host enrollment tokens. Deleting a pool or host leaves desktop
// and session rows alone (no FKs there): they are history, and the broker drains live ones first.
import type { Database } from 'better-sqlite3';
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
import { insertSql, patcher, translate, updateSql } from './sqlite-db.ts';
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

export function sqlitePools(db: Database): PoolMethods {
  const pool = {
    insert: db.prepare<PoolRow, PoolRow>(insertSql('pools', POOL_COLUMNS)),
    byId: db.prepare<[string], PoolRow>('SELECT * FROM pools WHERE id = ?'),
    byName: db.prepare<[string], PoolRow>('SELECT * FROM pools WHERE name = ?'),
    all: db.prepare<[], PoolRow>('SELECT * FROM pools ORDER BY name, id'),
    update: db.prepare<PoolRow, PoolRow>(updateSql('pools', POOL_COLUMNS)),
    delete: db.prepare<[string]>('DELETE FROM pools WHERE id = ?'),
  };
  const host = {
    insert: db.prepare<HostRow, HostRow>(insertSql('hosts', HOST_COLUMNS)),
    byId: db.prepare<[string], HostRow>('SELECT * FROM hosts WHERE id = ?'),
    byCredential: db.prepare<[string], HostRow>('SELECT * FROM hosts WHERE credential_hash = ?'),
    all: db.prepare<[], HostRow>('SELECT * FROM hosts ORDER BY name, id'),
    update: db.prepare<HostRow, HostRow>(updateSql('hosts', HOST_COLUMNS)),
    delete: db.prepare<[string]>('DELETE FROM hosts WHERE id = ?'),
  };
  const enrollment = {
    insert: db.prepare<EnrollmentTokenRow>(insertSql('enrollment_tokens', ENROLLMENT_TOKEN_COLUMNS)),
    // One statement: of two agents racing with the same token, exactly one gets a row back.
    consume: db.prepare<{ hash: string; now: number }, { hash: string }>(`UPDATE enrollment_tokens SET used_at = @now
      WHERE hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING hash`),
    byHash: db.prepare<[string], EnrollmentTokenRow>('SELECT * FROM enrollment_tokens WHERE hash = ?'),
  };
  const patchPool = patcher(db, pool.byId, pool.update, poolToRow, poolFromRow);
  const patchHost = patcher(db, host.byId, host.update, hostToRow, hostFromRow);

  return {
    async createPool(p) {
      return poolFromRow(translate(() => pool.insert.get(poolToRow(p)))!);
    },
    async getPool(id) {
      const row = pool.byId.get(id);
      return row ? poolFromRow(row) : null;
    },
    async getPoolByName(name) {
      const row = pool.byName.get(name);
      return row ? poolFromRow(row) : null;
    },
    async listPools() {
      return pool.all.all().map(poolFromRow);
    },
    async updatePool(id, patch) {
      return patchPool(id, patch);
    },
    async deletePool(id) {
      return pool.delete.run(id).changes > 0;
    },

    async createHost(h) {
      return hostFromRow(translate(() => host.insert.get(hostToRow(h)))!);
    },
    async getHost(id) {
      const row = host.byId.get(id);
      return row ? hostFromRow(row) : null;
    },
    async getHostByCredentialHash(hash) {
      const row = host.byCredential.get(hash);
      return row ? hostFromRow(row) : null;
    },
    async listHosts() {
      return host.all.all().map(hostFromRow);
    },
    async updateHost(id, patch) {
      return patchHost(id, patch);
    },
    async deleteHost(id) {
      return host.delete.run(id).changes > 0;
    },

    async createEnrollmentToken(t) {
      translate(() => enrollment.insert.run(enrollmentTokenToRow(t)));
    },
    async redeemEnrollmentToken(hash, now) {
      if (enrollment.consume.get({ hash, now }) !== undefined) return 'redeemed';
      // Only to explain the refusal: a token redeemed by a racing agent meanwhile reads as used.
      const row = enrollment.byHash.get(hash);
      return !row ? 'unknown' : row.used_at !== null ? 'used' : 'expired';
    },
  };
}
