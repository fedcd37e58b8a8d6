// Row <-> entity mapping for the SQL stores: snake_case columns, booleans as 0/1, arrays and
// objects as JSON text. This file: the shared helpers and the fleet's rows (pools, hosts, desktops,
// sessions, tickets, audit); rows-identity.ts and rows-machines.ts hold the others. Rows are only ever written through toRow functions, so the
// JSON read back is trusted to have the shape written.
import { completePolicy, type SessionPolicy } from '../../contract/api/policy.ts';
import type { AuditEvent, Desktop, EnrollmentToken, Host, Pool, Session, Ticket } from './types.ts';

/** What a column binds: better-sqlite3 rejects booleans and undefined, so rows hold neither. */
export type Bindable = string | number | null;

export const json = (v: unknown): string => JSON.stringify(v);
/** A table's column list; a Record over every key makes the compiler catch a forgotten column. */
export const columns = <R>(spec: Record<keyof R & string, 1>): (keyof R & string)[] => Object.keys(spec) as (keyof R & string)[];
export const parse = <T>(text: string): T => JSON.parse(text) as T;
/** A stored policy completed with today's defaults; a row this version cannot read gets the defaults, not an exception. */
export function policyFromText(text: string): SessionPolicy {
  try {
    return completePolicy(parse<Partial<SessionPolicy>>(text));
  } catch {
    return completePolicy(null);
  }
}

export interface PoolRow {
  id: string;
  name: string;
  description: string;
  driver: string;
  protocol: string;
  image: string | null;
  cpu: number | null;
  memory_mb: number | null;
  min_warm: number;
  max_desktops: number;
  max_per_user: number;
  idle_timeout_s: number;
  grace_s: number;
  max_lifetime_s: number;
  persistence: string;
  placement: string;
  network: string;
  group_ids: string;
  created_at: number;
  shadow_without_consent: number;
  policy: string;
}
export const POOL_COLUMNS = columns<PoolRow>({
  id: 1,
  name: 1,
  description: 1,
  driver: 1,
  protocol: 1,
  image: 1,
  cpu: 1,
  memory_mb: 1,
  min_warm: 1,
  max_desktops: 1,
  max_per_user: 1,
  idle_timeout_s: 1,
  grace_s: 1,
  max_lifetime_s: 1,
  persistence: 1,
  placement: 1,
  network: 1,
  group_ids: 1,
  created_at: 1,
  shadow_without_consent: 1,
  policy: 1,
});
export const poolToRow = (p: Pool): PoolRow => ({
  id: p.id,
  name: p.name,
  description: p.description ?? '',
  driver: p.driver,
  protocol: p.protocol,
  image: p.image ?? null,
  cpu: p.cpu ?? null,
  memory_mb: p.memoryMb ?? null,
  min_warm: p.minWarm,
  max_desktops: p.maxDesktops,
  max_per_user: p.maxPerUser,
  idle_timeout_s: p.idleTimeoutS,
  grace_s: p.graceS,
  max_lifetime_s: p.maxLifetimeS,
  persistence: p.persistence,
  placement: p.placement,
  network: p.network,
  group_ids: json(p.groups),
  created_at: p.createdAt,
  shadow_without_consent: p.shadowWithoutConsent ? 1 : 0,
  policy: json(p.policy),
});
export const poolFromRow = (r: PoolRow): Pool => ({
  id: r.id,
  name: r.name,
  description: r.description,
  driver: r.driver as Pool['driver'],
  protocol: r.protocol as Pool['protocol'],
  image: r.image,
  cpu: r.cpu,
  memoryMb: r.memory_mb,
  minWarm: r.min_warm,
  maxDesktops: r.max_desktops,
  maxPerUser: r.max_per_user,
  idleTimeoutS: r.idle_timeout_s,
  graceS: r.grace_s,
  maxLifetimeS: r.max_lifetime_s,
  persistence: r.persistence as Pool['persistence'],
  placement: r.placement as Pool['placement'],
  network: r.network === 'restricted' ? 'restricted' : 'none',
  groups: parse(r.group_ids),
  createdAt: r.created_at,
  shadowWithoutConsent: r.shadow_without_consent === 1,
  policy: policyFromText(r.policy),
});

export interface HostRow {
  id: string;
  name: string;
  labels: string;
  drivers: string;
  capacity: string;
  state: string;
  credential_hash: string;
  last_heartbeat_at: number | null;
  created_at: number;
}
export const HOST_COLUMNS = columns<HostRow>({
  id: 1,
  name: 1,
  labels: 1,
  drivers: 1,
  capacity: 1,
  state: 1,
  credential_hash: 1,
  last_heartbeat_at: 1,
  created_at: 1,
});
export const hostToRow = (h: Host): HostRow => ({
  id: h.id,
  name: h.name,
  labels: json(h.labels),
  drivers: json(h.drivers),
  capacity: json(h.capacity),
  state: h.state,
  credential_hash: h.credentialHash,
  last_heartbeat_at: h.lastHeartbeatAt ?? null,
  created_at: h.createdAt,
});
export const hostFromRow = (r: HostRow): Host => ({
  id: r.id,
  name: r.name,
  labels: parse(r.labels),
  drivers: parse(r.drivers),
  capacity: parse(r.capacity),
  state: r.state as Host['state'],
  credentialHash: r.credential_hash,
  lastHeartbeatAt: r.last_heartbeat_at,
  createdAt: r.created_at,
});

export interface EnrollmentTokenRow {
  hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
export const ENROLLMENT_TOKEN_COLUMNS = columns<EnrollmentTokenRow>({ hash: 1, created_at: 1, expires_at: 1, used_at: 1 });
export const enrollmentTokenToRow = (t: EnrollmentToken): EnrollmentTokenRow => ({
  hash: t.hash,
  created_at: t.createdAt,
  expires_at: t.expiresAt,
  used_at: t.usedAt ?? null,
});

export interface DesktopRow {
  id: string;
  pool_id: string;
  host_id: string;
  state: string;
  owner_id: string | null;
  secret: string;
  error: string | null;
  created_at: number;
  updated_at: number;
}
export const DESKTOP_COLUMNS = columns<DesktopRow>({
  id: 1,
  pool_id: 1,
  host_id: 1,
  state: 1,
  owner_id: 1,
  secret: 1,
  error: 1,
  created_at: 1,
  updated_at: 1,
});
export const desktopToRow = (d: Desktop): DesktopRow => ({
  id: d.id,
  pool_id: d.poolId,
  host_id: d.hostId,
  state: d.state,
  owner_id: d.ownerId ?? null,
  secret: d.secret,
  error: d.error ?? null,
  created_at: d.createdAt,
  updated_at: d.updatedAt,
});
export const desktopFromRow = (r: DesktopRow): Desktop => ({
  id: r.id,
  poolId: r.pool_id,
  hostId: r.host_id,
  state: r.state as Desktop['state'],
  ownerId: r.owner_id,
  secret: r.secret,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface SessionRow {
  id: string;
  pool_id: string | null;
  machine_id: string | null;
  protocol: string;
  user_id: string;
  state: string;
  desktop_id: string | null;
  host_id: string | null;
  created_at: number;
  ready_at: number | null;
  ended_at: number | null;
  last_activity_at: number;
  detached_at: number | null;
  error: string | null;
}
export const SESSION_COLUMNS = columns<SessionRow>({
  id: 1,
  pool_id: 1,
  machine_id: 1,
  protocol: 1,
  user_id: 1,
  state: 1,
  desktop_id: 1,
  host_id: 1,
  created_at: 1,
  ready_at: 1,
  ended_at: 1,
  last_activity_at: 1,
  detached_at: 1,
  error: 1,
});
export const sessionToRow = (s: Session): SessionRow => ({
  id: s.id,
  pool_id: s.poolId ?? null,
  machine_id: s.machineId ?? null,
  protocol: s.protocol ?? 'vnc',
  user_id: s.userId,
  state: s.state,
  desktop_id: s.desktopId ?? null,
  host_id: s.hostId ?? null,
  created_at: s.createdAt,
  ready_at: s.readyAt ?? null,
  ended_at: s.endedAt ?? null,
  last_activity_at: s.lastActivityAt,
  detached_at: s.detachedAt ?? null,
  error: s.error ?? null,
});
export const sessionFromRow = (r: SessionRow): Session => ({
  id: r.id,
  poolId: r.pool_id,
  machineId: r.machine_id,
  protocol: r.protocol as Session['protocol'] & string,
  userId: r.user_id,
  state: r.state as Session['state'],
  desktopId: r.desktop_id,
  hostId: r.host_id,
  createdAt: r.created_at,
  readyAt: r.ready_at,
  endedAt: r.ended_at,
  lastActivityAt: r.last_activity_at,
  detachedAt: r.detached_at,
  error: r.error,
});

export interface TicketRow {
  hash: string;
  user_id: string;
  session_id: string;
  mode: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
  web_session_id: string | null;
  shadow_id: string | null;
}
export const TICKET_COLUMNS = columns<TicketRow>({
  hash: 1,
  user_id: 1,
  session_id: 1,
  mode: 1,
  expires_at: 1,
  used_at: 1,
  created_at: 1,
  web_session_id: 1,
  shadow_id: 1,
});
export const ticketToRow = (t: Ticket): TicketRow => ({
  hash: t.hash,
  user_id: t.userId,
  session_id: t.sessionId,
  mode: t.mode,
  expires_at: t.expiresAt,
  used_at: t.usedAt ?? null,
  created_at: t.createdAt,
  web_session_id: t.webSessionId ?? null,
  shadow_id: t.shadowId ?? null,
});
export const ticketFromRow = (r: TicketRow): Ticket => ({
  hash: r.hash,
  userId: r.user_id,
  sessionId: r.session_id,
  mode: r.mode as Ticket['mode'],
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  createdAt: r.created_at,
  ...(r.web_session_id ? { webSessionId: r.web_session_id } : {}),
  ...(r.shadow_id ? { shadowId: r.shadow_id } : {}),
});

export interface AuditRow {
  id: number;
  at: number;
  actor: string | null;
  action: string;
  target: string | null;
  result: string;
  ip: string | null;
  details: string;
}
export type NewAuditRow = Omit<AuditRow, 'id'>;
export const AUDIT_INSERT_COLUMNS = columns<NewAuditRow>({ at: 1, actor: 1, action: 1, target: 1, result: 1, ip: 1, details: 1 });
export const auditToRow = (e: Omit<AuditEvent, 'id'>): NewAuditRow => ({
  at: e.at,
  actor: e.actor ?? null,
  action: e.action,
  target: e.target ?? null,
  result: e.result,
  ip: e.ip ?? null,
  details: json(e.details ?? {}),
});
export const auditFromRow = (r: AuditRow): AuditEvent => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  result: r.result as AuditEvent['result'],
  ip: r.ip,
  details: parse(r.details),
});
