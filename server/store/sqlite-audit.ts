// SQLite store: the append-only audit trail. Newest first means highest id first: ids come from
// AUTOINCREMENT (never reused), so beforeId paging is stable even when callers back-date `at`.
import type { Database } from 'better-sqlite3';
import type { Clock } from '../clock.ts';
import { AUDIT_INSERT_COLUMNS, auditFromRow, auditToRow, type AuditRow, type NewAuditRow } from './rows.ts';
import { clampLimit, insertSql, StatementCache, where, type Params } from './sqlite-db.ts';
import type { Store } from './types.ts';

export type AuditMethods = Pick<Store, 'appendAudit' | 'listAudit'>;

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

export function sqliteAudit(db: Database, clock: Clock): AuditMethods {
  const insert = db.prepare<NewAuditRow, AuditRow>(insertSql('audit', AUDIT_INSERT_COLUMNS));
  const filtered = new StatementCache(db);

  return {
    async appendAudit(e) {
      const row = insert.get(auditToRow({ ...e, at: e.at ?? clock.now() }));
      return auditFromRow(row!);
    },
    async listAudit(filter = {}) {
      const c: string[] = [];
      const params: Params = { limit: clampLimit(filter.limit, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT) };
      if (filter.since !== undefined) {
        c.push('at >= @since');
        params.since = filter.since;
      }
      if (filter.actor !== undefined) {
        c.push('actor = @actor');
        params.actor = filter.actor;
      }
      if (filter.action !== undefined) {
        c.push('action = @action');
        params.action = filter.action;
      }
      if (filter.beforeId !== undefined) {
        c.push('id < @beforeId');
        params.beforeId = filter.beforeId;
      }
      const sql = `SELECT * FROM audit ${where(c)} ORDER BY id DESC LIMIT @limit`;
      return filtered.get<AuditRow>(sql).all(params).map(auditFromRow);
    },
  };
}
