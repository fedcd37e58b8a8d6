// Row <-> entity mapping of people and their sign-ins (users, groups, web sessions, second factors,
// remembered browsers, API tokens), with the helpers of rows.ts.
import { columns, json, parse } from './rows.ts';
import type { ApiToken, Group, RememberedBrowser, TotpFactor, User, WebSession } from './types.ts';

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
