// The audit trail, decoded with the contract (contract/api/admin.ts): newest first; actor and
// action filter exactly. `at` becomes epoch milliseconds for the page.
import { z } from 'zod/mini';
import { AuditEvent as AuditEventJson } from '../../../contract/api/admin.ts';
import { api } from './client.ts';

export type AuditEvent = Omit<AuditEventJson, 'at'> & { at: number };

const AuditList = z.array(AuditEventJson);

export interface AuditFilter {
  actor?: string;
  action?: string;
  limit?: number;
}

export function listAudit(filter: AuditFilter, signal?: AbortSignal): Promise<AuditEvent[]> {
  const q = new URLSearchParams();
  if (filter.actor) q.set('actor', filter.actor);
  if (filter.action) q.set('action', filter.action);
  if (filter.limit) q.set('limit', String(filter.limit));
  const query = q.toString();
  return api(`/api/v1/admin/audit${query ? `?${query}` : ''}`, {
    decode: (x) => AuditList.parse(x).map((e) => ({ ...e, at: Date.parse(e.at) })),
    signal,
  });
}

/** The same filters as a CSV download (header row id,at,actor,action,target,result,ip,details). */
export function auditCsvUrl(filter: AuditFilter & { since?: string }): string {
  const q = new URLSearchParams({ format: 'csv' });
  if (filter.actor) q.set('actor', filter.actor);
  if (filter.action) q.set('action', filter.action);
  if (filter.since) q.set('since', filter.since);
  return `/api/v1/admin/audit?${q.toString()}`;
}
