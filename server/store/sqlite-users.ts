// SQLite store: users, groups, and the credentials that belong to a user (web sessions, API
// tokens). Group membership is a JSON array of group ids on the user (and on the pool), read
// with the user in one row; deleteGroup rewrites those arrays in the same transaction.
import type { Database } from 'better-sqlite3';
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
  type ApiTokenRow,
  type GroupRow,
  type UserRow,
  type WebSessionRow,
} from './rows-identity.ts';
import { insertSql, patcher, translate, updateSql } from './sqlite-db.ts';
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

export function sqliteUsers(db: Database, clock: Clock): UserMethods {
  const user = {
    insert: db.prepare<UserRow, UserRow>(insertSql('users', USER_COLUMNS)),
    byId: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    // username is COLLATE NOCASE, so this compare (and the unique index) ignore ASCII case.
    byName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
    all: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username, id'),
    update: db.prepare<UserRow, UserRow>(updateSql('users', USER_COLUMNS)),
    // Web sessions, API tokens and tickets go by ON DELETE CASCADE; session history keeps the id.
    delete: db.prepare<[string]>('DELETE FROM users WHERE id = ?'),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
  };
  const group = {
    insert: db.prepare<GroupRow, GroupRow>(insertSql('groups', GROUP_COLUMNS)),
    byId: db.prepare<[string], GroupRow>('SELECT * FROM groups WHERE id = ?'),
    byName: db.prepare<[string], GroupRow>('SELECT * FROM groups WHERE name = ?'),
    all: db.prepare<[], GroupRow>('SELECT * FROM groups ORDER BY name, id'),
    delete: db.prepare<[string]>('DELETE FROM groups WHERE id = ?'),
    // Pools entitled to this group and no other: removing it would leave their list empty,
    // and an empty list means "everyone".
    soleEntitlementOf: db.prepare<{ id: string }, { name: string }>(`SELECT name FROM (SELECT name, group_ids FROM pools
      UNION ALL SELECT name, group_ids FROM machines) AS e
      WHERE EXISTS (SELECT 1 FROM json_each(e.group_ids) WHERE value = @id)
        AND NOT EXISTS (SELECT 1 FROM json_each(e.group_ids) WHERE value <> @id) ORDER BY name`),
    unlinkUsers: db.prepare<{ id: string }>(`UPDATE users
      SET group_ids = (SELECT json_group_array(value) FROM json_each(users.group_ids) WHERE value <> @id)
      WHERE EXISTS (SELECT 1 FROM json_each(users.group_ids) WHERE value = @id)`),
    unlinkPools: db.prepare<{ id: string }>(`UPDATE pools
      SET group_ids = (SELECT json_group_array(value) FROM json_each(pools.group_ids) WHERE value <> @id)
      WHERE EXISTS (SELECT 1 FROM json_each(pools.group_ids) WHERE value = @id)`),
    unlinkMachines: db.prepare<{ id: string }>(`UPDATE machines
      SET group_ids = (SELECT json_group_array(value) FROM json_each(machines.group_ids) WHERE value <> @id)
      WHERE EXISTS (SELECT 1 FROM json_each(machines.group_ids) WHERE value = @id)`),
  };
  const web = {
    insert: db.prepare<WebSessionRow>(insertSql('web_sessions', WEB_SESSION_COLUMNS)),
    byHash: db.prepare<[string], WebSessionRow>('SELECT * FROM web_sessions WHERE hash = ?'),
    touch: db.prepare<[number, number, string]>('UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?'),
    delete: db.prepare<[string]>('DELETE FROM web_sessions WHERE hash = ?'),
    // '' never matches a hash (they are 64 hex digits), so one statement serves "all" and "all but one".
    deleteOfUser: db.prepare<[string, string]>('DELETE FROM web_sessions WHERE user_id = ? AND hash <> ?'),
    deleteExpired: db.prepare<[number]>('DELETE FROM web_sessions WHERE expires_at <= ?'),
    ofUser: db.prepare<[string], WebSessionRow>('SELECT * FROM web_sessions WHERE user_id = ? ORDER BY last_seen_at DESC, created_at DESC'),
    deleteById: db.prepare<[string, string]>('DELETE FROM web_sessions WHERE id = ? AND user_id = ?'),
  };
  const token = {
    insert: db.prepare<ApiTokenRow>(insertSql('api_tokens', API_TOKEN_COLUMNS)),
    byHash: db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE hash = ?'),
    touch: db.prepare<[number, string]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
    ofUser: db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id'),
    deleteById: db.prepare<[string, string]>('DELETE FROM api_tokens WHERE id = ? AND user_id = ?'),
  };

  const patchUser = patcher(db, user.byId, user.update, userToRow, userFromRow);
  const deleteGroup = db.transaction((id: string): boolean => {
    const g = group.byId.get(id);
    if (!g) return false;
    const pools = group.soleEntitlementOf.all({ id }).map((p) => p.name);
    if (pools.length > 0) {
      throw new StoreConflictError(
        'in_use',
        `Group "${g.name}" is the only group entitled to ${pools.map((p) => `"${p}"`).join(', ')}; ` +
          'removing it would open those pools or machines to everyone. Change their entitlements first.',
        'pools.group_ids',
      );
    }
    group.unlinkUsers.run({ id });
    group.unlinkPools.run({ id });
    group.unlinkMachines.run({ id });
    return group.delete.run(id).changes > 0;
  });

  return {
    async createUser(u) {
      const row = translate(() => user.insert.get(userToRow({ ...u, createdAt: u.createdAt ?? clock.now() })));
      return userFromRow(row!);
    },
    async getUser(id) {
      const row = user.byId.get(id);
      return row ? userFromRow(row) : null;
    },
    async getUserByName(username) {
      const row = user.byName.get(username);
      return row ? userFromRow(row) : null;
    },
    async listUsers() {
      return user.all.all().map(userFromRow);
    },
    async updateUser(id, patch) {
      return patchUser(id, patch);
    },
    async deleteUser(id) {
      return user.delete.run(id).changes > 0;
    },
    async countUsers() {
      return user.count.get()?.n ?? 0;
    },

    async createGroup(g) {
      return groupFromRow(translate(() => group.insert.get(groupToRow(g)))!);
    },
    async getGroup(id) {
      const row = group.byId.get(id);
      return row ? groupFromRow(row) : null;
    },
    async getGroupByName(name) {
      const row = group.byName.get(name);
      return row ? groupFromRow(row) : null;
    },
    async listGroups() {
      return group.all.all().map(groupFromRow);
    },
    async deleteGroup(id) {
      return deleteGroup.immediate(id);
    },

    async createWebSession(s) {
      translate(() => web.insert.run(webSessionToRow(s)));
    },
    async getWebSession(hash) {
      const row = web.byHash.get(hash);
      return row ? webSessionFromRow(row) : null;
    },
    async touchWebSession(hash, lastSeenAt, expiresAt) {
      web.touch.run(lastSeenAt, expiresAt, hash);
    },
    async deleteWebSession(hash) {
      web.delete.run(hash);
    },
    async deleteWebSessionsOfUser(userId, exceptHash) {
      return web.deleteOfUser.run(userId, exceptHash ?? '').changes;
    },
    async listWebSessionsOfUser(userId) {
      return web.ofUser.all(userId).map(webSessionFromRow);
    },
    async deleteWebSessionById(userId, id) {
      return web.deleteById.run(id, userId).changes > 0;
    },
    async deleteExpiredWebSessions(now) {
      return web.deleteExpired.run(now).changes;
    },
    async createApiToken(t) {
      translate(() => token.insert.run(apiTokenToRow(t)));
    },
    async getApiTokenByHash(hash) {
      const row = token.byHash.get(hash);
      return row ? apiTokenFromRow(row) : null;
    },
    async touchApiToken(id, at) {
      token.touch.run(at, id);
    },
    async listApiTokensOfUser(userId) {
      return token.ofUser.all(userId).map(apiTokenFromRow);
    },
    async deleteApiToken(userId, id) {
      return token.deleteById.run(id, userId).changes > 0;
    },
  };
}
