// Row <-> entity mapping for the SQL stores, in one place: snake_case columns, booleans as 0/1,
// arrays and objects as JSON text. Rows are only ever written through toRow functions, so the
// JSON read back is trusted to have the shape written.
import type { Machine, MachineCredential } from './machine-types.ts';
import type {
  ApiToken,
  AuditEvent,
  Desktop,
  EnrollmentToken,
  Group,
  Host,
  Pool,
  RememberedBrowser,
  Session,
  Ticket,
  TotpFactor,
  User,
  WebSession,
} from './types.ts';

/** What a column binds: better-sqlite3 rejects booleans and undefined, so rows hold neither. */
export type Bindable = string | number | null;

const json = (v: unknown): string => JSON.stringify(v);
/** A table's column list; a Record over every key makes the compiler catch a forgotten column. */
const columns = <R>(spec: Record<keyof R & string, 1>): (keyof R & string)[] => Object.keys(spec) as (keyof R & string)[];
const parse = <T>(text: string): T => JSON.parse(text) as T;

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  roles: string;
  group_ids: string;
  disabled: number;
  password_hash: string | null;
  created_at: number;
}
export const USER_COLUMNS = columns<UserRow>({
  id: 1,
  username: 1,
  display_name: 1,
  roles: 1,
  group_ids: 1,
  disabled: 1,
  password_hash: 1,
  created_at: 1,
});
export const userToRow = (u: User): UserRow => ({
  id: u.id,
  username: u.username,
  display_name: u.displayName,
  roles: json(u.roles),
  group_ids: json(u.groups),
  disabled: u.disabled ? 1 : 0,
  password_hash: u.passwordHash ?? null,
  created_at: u.createdAt,
});
export const userFromRow = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  roles: parse(r.roles),
  groups: parse(r.group_ids),
  disabled: r.disabled === 1,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
});

export interface GroupRow {
  id: string;
  name: string;
  description: string;
}
export const GROUP_COLUMNS = columns<GroupRow>({ id: 1, name: 1, description: 1 });
export const groupToRow = (g: Group): GroupRow => ({ id: g.id, name: g.name, description: g.description ?? '' });
export const groupFromRow = (r: GroupRow): Group => ({ id: r.id, name: r.name, description: r.description });

export interface WebSessionRow {
  hash: string;
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
}
export const WEB_SESSION_COLUMNS = columns<WebSessionRow>({
  hash: 1,
  id: 1,
  user_id: 1,
  created_at: 1,
  expires_at: 1,
  last_seen_at: 1,
  ip: 1,
  user_agent: 1,
});
export const webSessionToRow = (s: WebSession): WebSessionRow => ({
  hash: s.hash,
  id: s.id,
  user_id: s.userId,
  created_at: s.createdAt,
  expires_at: s.expiresAt,
  last_seen_at: s.lastSeenAt,
  ip: s.ip ?? null,
  user_agent: s.userAgent ?? null,
});
export const webSessionFromRow = (r: WebSessionRow): WebSession => ({
  hash: r.hash,
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastSeenAt: r.last_seen_at,
  ip: r.ip,
  userAgent: r.user_agent,
});

export interface TotpRow {
  user_id: string;
  secret: string;
  created_at: number;
  confirmed_at: number | null;
  last_step: number | null;
}
export const totpFromRow = (r: TotpRow): TotpFactor => ({
  userId: r.user_id,
  secret: r.secret,
  createdAt: r.created_at,
  confirmedAt: r.confirmed_at,
  lastStep: r.last_step,
});

export interface RememberedBrowserRow {
  hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}
export const rememberedBrowserFromRow = (r: RememberedBrowserRow): RememberedBrowser => ({
  hash: r.hash,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}
export const API_TOKEN_COLUMNS = columns<ApiTokenRow>({
  id: 1,
  user_id: 1,
  name: 1,
  hash: 1,
  created_at: 1,
  expires_at: 1,
  last_used_at: 1,
});
export const apiTokenToRow = (t: ApiToken): ApiTokenRow => ({
  id: t.id,
  user_id: t.userId,
  name: t.name,
  hash: t.hash,
  created_at: t.createdAt,
  expires_at: t.expiresAt ?? null,
  last_used_at: t.lastUsedAt ?? null,
});
export const apiTokenFromRow = (r: ApiTokenRow): ApiToken => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  hash: r.hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

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
  group_ids: string;
  created_at: number;
  shadow_without_consent: number;
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
  group_ids: 1,
  created_at: 1,
  shadow_without_consent: 1,
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
  group_ids: json(p.groups),
  created_at: p.createdAt,
  shadow_without_consent: p.shadowWithoutConsent ? 1 : 0,
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
  groups: parse(r.group_ids),
  createdAt: r.created_at,
  shadowWithoutConsent: r.shadow_without_consent === 1,
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

export interface MachineRow {
  id: string;
  name: string;
  description: string;
  protocol: string;
  address: string;
  port: number;
  host_id: string | null;
  host_label: string | null;
  security: string;
  ignore_cert: number;
  domain: string;
  credential_mode: string;
  username: string;
  password_sealed: string | null;
  private_key_sealed: string | null;
  group_ids: string;
  created_at: number;
  updated_at: number;
}
export const MACHINE_COLUMNS = columns<MachineRow>({
  id: 1,
  name: 1,
  description: 1,
  protocol: 1,
  address: 1,
  port: 1,
  host_id: 1,
  host_label: 1,
  security: 1,
  ignore_cert: 1,
  domain: 1,
  credential_mode: 1,
  username: 1,
  password_sealed: 1,
  private_key_sealed: 1,
  group_ids: 1,
  created_at: 1,
  updated_at: 1,
});
export const machineToRow = (m: Machine): MachineRow => ({
  id: m.id,
  name: m.name,
  description: m.description,
  protocol: m.protocol,
  address: m.address,
  port: m.port,
  host_id: m.hostId ?? null,
  host_label: m.hostLabel ?? null,
  security: m.security,
  ignore_cert: m.ignoreCert ? 1 : 0,
  domain: m.domain,
  credential_mode: m.credentialMode,
  username: m.username,
  password_sealed: m.passwordSealed ?? null,
  private_key_sealed: m.privateKeySealed ?? null,
  group_ids: json(m.groups),
  created_at: m.createdAt,
  updated_at: m.updatedAt,
});
export const machineFromRow = (r: MachineRow): Machine => ({
  id: r.id,
  name: r.name,
  description: r.description,
  protocol: r.protocol as Machine['protocol'],
  address: r.address,
  port: r.port,
  hostId: r.host_id,
  hostLabel: r.host_label,
  security: r.security as Machine['security'],
  ignoreCert: r.ignore_cert === 1,
  domain: r.domain,
  credentialMode: r.credential_mode as Machine['credentialMode'],
  username: r.username,
  passwordSealed: r.password_sealed,
  privateKeySealed: r.private_key_sealed,
  groups: parse(r.group_ids),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface MachineCredentialRow {
  machine_id: string;
  user_id: string;
  username: string;
  password_sealed: string | null;
  private_key_sealed: string | null;
  updated_at: number;
}
export const MACHINE_CREDENTIAL_COLUMNS = columns<MachineCredentialRow>({
  machine_id: 1,
  user_id: 1,
  username: 1,
  password_sealed: 1,
  private_key_sealed: 1,
  updated_at: 1,
});
export const machineCredentialToRow = (c: MachineCredential): MachineCredentialRow => ({
  machine_id: c.machineId,
  user_id: c.userId,
  username: c.username,
  password_sealed: c.passwordSealed ?? null,
  private_key_sealed: c.privateKeySealed ?? null,
  updated_at: c.updatedAt,
});
export const machineCredentialFromRow = (r: MachineCredentialRow): MachineCredential => ({
  machineId: r.machine_id,
  userId: r.user_id,
  username: r.username,
  passwordSealed: r.password_sealed,
  privateKeySealed: r.private_key_sealed,
  updatedAt: r.updated_at,
});
