// Users, groups, and the credentials that belong to a user (web sessions, API
// tokens). Group membership is a JSON array of group ids on the user (and on the pool), read
// with the user in one row; deleteGroup rewrites those arrays in the same transaction.
import type { Clock } from '../clock.ts';
import { StoreConflictError } from './errors.ts';
import {
  API_TOKEN_COLUMNS,
  GROUP_COLUMNS,
  USER_COLUMNS,
  WEB_SESSION_COLUMNS,
  apiTokenFromRow,
  apiTokenToRow,
  groupFromRow,
  groupToRow,
  userFromRow,
  userToRow,
  webSessionFromRow,
  webSessionToRow,
  type GroupRow,
  type UserRow,
} from './rows-identity.ts';
import { insertSql, many, one, patcher, type Sql } from './sql.ts';
import type { Store } from './types.ts';

export type UserMethods = Pick<
  Store,
  | 'createUser'
  | 'getUser'
  | 'getUserByName'
  | 'listUsers'
  | 'updateUser'
  | 'deleteUser'
  | 'countUsers'
  | 'createGroup'
  | 'getGroup'
  | 'getGroupByName'
  | 'listGroups'
  | 'deleteGroup'
  | 'createWebSession'
  | 'getWebSession'
  | 'touchWebSession'
  | 'deleteWebSession'
  | 'deleteWebSessionsOfUser'
  | 'deleteExpiredWebSessions'
  | 'listWebSessionsOfUser'
  | 'deleteWebSessionById'
  | 'createApiToken'
  | 'getApiTokenByHash'
  | 'touchApiToken'
  | 'listApiTokensOfUser'
  | 'deleteApiToken'
>;

export function sqlUsers(q: Sql, clock: Clock): UserMethods {
  const d = q.dialect;
  const user = {
    insert: insertSql('users', USER_COLUMNS),
    byId: 'SELECT * FROM users WHERE id = ?',
    // username ignores ASCII case (SQLite COLLATE NOCASE, PostgreSQL citext), here and in the unique index.
    byName: 'SELECT * FROM users WHERE username = ?',
    all: 'SELECT * FROM users ORDER BY username, id',
    // Web sessions, API tokens and tickets go by ON DELETE CASCADE; session history keeps the id.
    delete: 'DELETE FROM users WHERE id = ?',
    count: 'SELECT count(*) AS n FROM users',
  };
  const unlink = (table: string) => `UPDATE ${table}
      SET group_ids = (SELECT ${d.jsonArrayAgg('value')} FROM ${d.jsonEach(`${table}.group_ids`)} WHERE value <> @id)
      WHERE EXISTS (SELECT 1 FROM ${d.jsonEach(`${table}.group_ids`)} WHERE value = @id)`;
  const group = {
    insert: insertSql('groups', GROUP_COLUMNS),
    byId: 'SELECT * FROM groups WHERE id = ?',
    byName: 'SELECT * FROM groups WHERE name = ?',
    all: 'SELECT * FROM groups ORDER BY name, id',
    delete: 'DELETE FROM groups WHERE id = ?',
    // Pools entitled to this group and no other: removing it would leave their list empty,
    // and an empty list means "everyone".
    soleEntitlementOf: `SELECT name FROM (SELECT name, group_ids FROM pools
      UNION ALL SELECT name, group_ids FROM machines) AS e
      WHERE EXISTS (SELECT 1 FROM ${d.jsonEach('e.group_ids')} WHERE value = @id)
        AND NOT EXISTS (SELECT 1 FROM ${d.jsonEach('e.group_ids')} WHERE value <> @id) ORDER BY name`,
    unlinkUsers: unlink('users'),
    unlinkPools: unlink('pools'),
    unlinkMachines: unlink('machines'),
  };
  const web = {
    insert: insertSql('web_sessions', WEB_SESSION_COLUMNS),
    byHash: 'SELECT * FROM web_sessions WHERE hash = ?',
    touch: 'UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?',
    delete: 'DELETE FROM web_sessions WHERE hash = ?',
    // '' never matches a hash (they are 64 hex digits), so one statement serves "all" and "all but one".
    deleteOfUser: 'DELETE FROM web_sessions WHERE user_id = ? AND hash <> ?',
    deleteExpired: 'DELETE FROM web_sessions WHERE expires_at <= ?',
    ofUser: 'SELECT * FROM web_sessions WHERE user_id = ? ORDER BY last_seen_at DESC, created_at DESC',
    deleteById: 'DELETE FROM web_sessions WHERE id = ? AND user_id = ?',
  };
  const token = {
    insert: insertSql('api_tokens', API_TOKEN_COLUMNS),
    byHash: 'SELECT * FROM api_tokens WHERE hash = ?',
    touch: 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?',
    ofUser: 'SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id',
    deleteById: 'DELETE FROM api_tokens WHERE id = ? AND user_id = ?',
  };

  const patchUser = patcher(q, 'users', USER_COLUMNS, userToRow, userFromRow);
  const deleteGroup = (id: string): Promise<boolean> =>
    q.tx(async (t) => {
      const g = await t.get<GroupRow>(group.byId + d.forUpdate, [id]);
      if (!g) return false;
      // PostgreSQL: lock the pools and machines entitled to this group before the check, so deleting
      // another of their groups at the same time waits, then sees this one gone (never two
      // checks that each leave one group, together leaving none: "everyone").
      if (d.forUpdate) {
        for (const table of ['pools', 'machines']) {
          await t.all(
            `SELECT id FROM ${table} WHERE EXISTS (SELECT 1 FROM ${d.jsonEach(`${table}.group_ids`)} WHERE value = @id) ORDER BY id${d.forUpdate}`,
            {
              id,
            },
          );
        }
      }
      const pools = (await t.all<{ name: string }>(group.soleEntitlementOf, { id })).map((p) => p.name);
      if (pools.length > 0) {
        throw new StoreConflictError(
          'in_use',
          `Group "${g.name}" is the only group entitled to ${pools.map((p) => `"${p}"`).join(', ')}; ` +
            'removing it would open those pools or machines to everyone. Change their entitlements first.',
          'pools.group_ids',
        );
      }
      await t.run(group.unlinkUsers, { id });
      await t.run(group.unlinkPools, { id });
      await t.run(group.unlinkMachines, { id });
      return (await t.run(group.delete, [id])) > 0;
    });

  return {
    async createUser(u) {
      const row = await q.get<UserRow>(user.insert, userToRow({ ...u, createdAt: u.createdAt ?? clock.now() }));
      return userFromRow(row!);
    },
    getUser: (id) => one(q, user.byId, [id], userFromRow),
    getUserByName: (username) => one(q, user.byName, [username], userFromRow),
    listUsers: () => many(q, user.all, [], userFromRow),
    updateUser: (id, patch) => patchUser(id, patch),
    async deleteUser(id) {
      return (await q.run(user.delete, [id])) > 0;
    },
    async countUsers() {
      return (await q.get<{ n: number }>(user.count))?.n ?? 0;
    },

    async createGroup(g) {
      return groupFromRow((await q.get<GroupRow>(group.insert, groupToRow(g)))!);
    },
    getGroup: (id) => one(q, group.byId, [id], groupFromRow),
    getGroupByName: (name) => one(q, group.byName, [name], groupFromRow),
    listGroups: () => many(q, group.all, [], groupFromRow),
    deleteGroup,

    async createWebSession(s) {
      await q.run(web.insert, webSessionToRow(s));
    },
    getWebSession: (hash) => one(q, web.byHash, [hash], webSessionFromRow),
    async touchWebSession(hash, lastSeenAt, expiresAt) {
      await q.run(web.touch, [lastSeenAt, expiresAt, hash]);
    },
    async deleteWebSession(hash) {
      await q.run(web.delete, [hash]);
    },
    async deleteWebSessionsOfUser(userId, exceptHash) {
      return q.run(web.deleteOfUser, [userId, exceptHash ?? '']);
    },
    listWebSessionsOfUser: (userId) => many(q, web.ofUser, [userId], webSessionFromRow),
    async deleteWebSessionById(userId, id) {
      return (await q.run(web.deleteById, [id, userId])) > 0;
    },
    async deleteExpiredWebSessions(now) {
      return q.run(web.deleteExpired, [now]);
    },
    async createApiToken(t) {
      await q.run(token.insert, apiTokenToRow(t));
    },
    getApiTokenByHash: (hash) => one(q, token.byHash, [hash], apiTokenFromRow),
    async touchApiToken(id, at) {
      await q.run(token.touch, [at, id]);
    },
    listApiTokensOfUser: (userId) => many(q, token.ofUser, [userId], apiTokenFromRow),
    async deleteApiToken(userId, id) {
      return (await q.run(token.deleteById, [id, userId])) > 0;
    },
  };
}
