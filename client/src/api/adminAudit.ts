// The audit trail (API.md "Administration"): newest first; actor and action filter exactly.
import { api } from './client.ts';
import { list, obj, optStr, optTime, str } from './decode.ts';

export interface AuditEvent {
  id: string;
  at?: number;
  actor?: string;
  action: string;
  target?: string;
  /** `ok`, `denied` or `failed`; shown as-is when the gateway adds another. */
  result: string;
  ip?: string;
  details: unknown;
}

function decodeEvent(x: unknown): AuditEvent {
  const o = obj(x, 'audit event');
  return {
    id: str(o, 'id'),
    at: optTime(o, 'at'),
    actor: optStr(o, 'actor'),
    action: str(o, 'action'),
    target: optStr(o, 'target'),
    result: optStr(o, 'result') ?? '',
    ip: optStr(o, 'ip'),
    details: o.details,
  };
}

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
  return api(`/api/v1/admin/audit${query ? `?${query}` : ''}`, { decode: (x) => list(x, 'events', decodeEvent), signal });
}

/** The same filters as a CSV download (header row id,at,actor,action,target,result,ip,details). */
export function auditCsvUrl(filter: AuditFilter & { since?: string }): string {
  const q = new URLSearchParams({ format: 'csv' });
  if (filter.actor) q.set('actor', filter.actor);
  if (filter.action) q.set('action', filter.action);
  if (filter.since) q.set('since', filter.since);
  return `/api/v1/admin/audit?${q.toString()}`;
}
