// Typed shapes of the gateway's answers (API.md), plus the decoders that produce them.
import { list, obj, optNum, optStr, optTime, str, strArray, unwrap, type Json } from './decode.ts';

export type Role = 'user' | 'helpdesk' | 'admin';
export const ROLES: readonly Role[] = ['user', 'helpdesk', 'admin'];

export type SessionState = 'starting' | 'ready' | 'ending' | 'ended' | 'failed' | 'lost';
const SESSION_STATES: readonly string[] = ['starting', 'ready', 'ending', 'ended', 'failed', 'lost'];
/** States in which a session still holds (or is getting) a desktop. */
export const LIVE_STATES: readonly SessionState[] = ['starting', 'ready', 'ending'];
/** States a session never leaves. */
export const FINAL_STATES: readonly SessionState[] = ['ended', 'failed', 'lost'];

export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
  /** Two-step verification is on for this account. */
  mfaEnabled?: boolean;
  /** The MFA policy requires a second factor this person has not set up: only enrolment is open. */
  mfaEnrollmentRequired?: boolean;
  /** The gateway's minimum password length, when it says. */
  passwordMinLength?: number;
  /** False for accounts from an identity provider (no local password). */
  localAccount?: boolean;
}

export interface Pool {
  id: string;
  name: string;
  description: string;
  protocol: string;
  driver: string;
  /** `personal` keeps the person's home between desktops; `pooled` starts fresh. */
  persistence?: 'pooled' | 'personal';
  /** How long a desktop waits for its user after the last viewer left (seconds). */
  graceS?: number;
  /** No input for this long ends the desktop (seconds; 0 = never). */
  idleTimeoutS?: number;
  /** The longest a desktop may run (seconds; 0 = never). */
  maxLifetimeS?: number;
}

export interface Session {
  id: string;
  poolId: string;
  userId: string;
  state: SessionState;
  hostId?: string;
  createdAt?: number;
  readyAt?: number;
  endedAt?: number;
  viewers: number;
  error?: string;
}

export interface Ticket {
  ticket: string;
  url: string;
  protocol: string;
  expiresAt?: number;
}

export function decodeMe(x: unknown): Me {
  const o = unwrap(x, 'user');
  const username = str(o, 'username');
  const policy = typeof o.passwordPolicy === 'object' && o.passwordPolicy !== null ? (o.passwordPolicy as Json) : {};
  return {
    id: str(o, 'id'),
    username,
    displayName: optStr(o, 'displayName') ?? username,
    roles: strArray(o, 'roles'),
    groups: strArray(o, 'groups'),
    mfaEnabled: o.mfaEnabled === true,
    mfaEnrollmentRequired: o.mfaEnrollmentRequired === true,
    passwordMinLength: optNum(policy, 'minLength'),
    localAccount: o.localAccount !== false,
  };
}

export function decodePool(x: unknown): Pool {
  const o = obj(x, 'pool');
  const persistence = o.persistence;
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    description: optStr(o, 'description') ?? '',
    protocol: optStr(o, 'protocol') ?? 'vnc',
    driver: optStr(o, 'driver') ?? '',
    persistence: persistence === 'pooled' || persistence === 'personal' ? persistence : undefined,
    graceS: optNum(o, 'graceS'),
    idleTimeoutS: optNum(o, 'idleTimeoutS'),
    maxLifetimeS: optNum(o, 'maxLifetimeS'),
  };
}

export const decodePools = (x: unknown): Pool[] => list(x, 'pools', decodePool);

export function sessionFields(o: Json): Session {
  const state = str(o, 'state');
  if (!SESSION_STATES.includes(state)) throw new TypeError(`state: unknown "${state}"`);
  const viewers = o.viewers;
  const error = o.error;
  return {
    id: str(o, 'id'),
    poolId: str(o, 'poolId'),
    userId: optStr(o, 'userId') ?? '',
    state: state as SessionState,
    hostId: optStr(o, 'hostId'),
    createdAt: optTime(o, 'createdAt'),
    readyAt: optTime(o, 'readyAt'),
    endedAt: optTime(o, 'endedAt'),
    viewers: typeof viewers === 'number' ? viewers : Array.isArray(viewers) ? viewers.length : 0,
    error: typeof error === 'string' ? error : typeof error === 'object' && error !== null ? optStr(error as Json, 'message') : undefined,
  };
}

export const decodeSession = (x: unknown): Session => sessionFields(unwrap(x, 'session'));
export const decodeSessions = (x: unknown): Session[] => list(x, 'sessions', decodeSession);

export function decodeTicket(x: unknown): Ticket {
  const o = obj(x, 'ticket');
  return { ticket: str(o, 'ticket'), url: str(o, 'url'), protocol: optStr(o, 'protocol') ?? 'vnc', expiresAt: optTime(o, 'expiresAt') };
}

export function isLive(s: Session): boolean {
  return LIVE_STATES.includes(s.state);
}

export function isFinal(state: SessionState): boolean {
  return FINAL_STATES.includes(state);
}

