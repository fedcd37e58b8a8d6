// The append-only audit trail. Newest first means highest id first: ids come from
// AUTOINCREMENT / an identity column (never reused), so beforeId paging is stable even when callers back-date `at`.
import type { Clock } from '../clock.ts';
import { AUDIT_INSERT_COLUMNS, auditFromRow, auditToRow, type AuditRow } from './rows.ts';
import { clampLimit, Conditions, insertSql, many, type Sql } from './sql.ts';
import type { Store } from './types.ts';

export type AuditMethods = Pick<Store, 'appendAudit' | 'listAudit'>;

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

export function sqlAudit(q: Sql, clock: Clock): AuditMethods {
  const insert = insertSql('audit', AUDIT_INSERT_COLUMNS);

  return {
    async appendAudit(e) {
      const row = await q.get<AuditRow>(insert, auditToRow({ ...e, at: e.at ?? clock.now() }));
      return auditFromRow(row!);
    },
    async listAudit(filter = {}) {
      const w = new Conditions({ limit: clampLimit(filter.limit, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT) });
      if (filter.since !== undefined) w.add('at >= @since', { since: filter.since });
      w.eq('actor', 'actor', filter.actor).eq('action', 'action', filter.action);
      if (filter.beforeId !== undefined) w.add('id < @beforeId', { beforeId: filter.beforeId });
      return many(q, `SELECT * FROM audit ${w.where()} ORDER BY id DESC LIMIT @limit`, w.params, auditFromRow);
    },
  };
}
