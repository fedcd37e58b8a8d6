// The one dependency bag every auth module takes, built once by the app. Keeping it a plain
// interface lets tests hand in a ManualClock, a silent logger and an in-memory store.
import type { Audit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import type { Vault } from '../vault.ts';
import { DEFAULT_MIN_PASSWORD_LENGTH, type PasswordPolicy } from './password-policy.ts';

export interface AuthConfig {
  /** When set, its origin is the only one cookie-authenticated writes may come from. */
  publicUrl?: string;
  cookieSecure: boolean;
  /** Idle lifetime of a web session (sliding); 12 h by default. */
  sessionTtlS: number;
  /** Informational here: the app turns it into express's `trust proxy`, which req.ip obeys. */
  trustProxy?: boolean;
  /** Minimum length of local passwords (password-policy.ts); 12 when unset. */
  passwordMinLength?: number;
}

/** Who changed something that may cost a person access, for the audit trail. */
export interface AccessCause {
  actor: string;
  ip: string | null;
  /** What changed, e.g. `user.update`, `pool.update`, `group.delete`, `user.sync`. */
  cause: string;
}

/**
 * Told after every change that may take access away; decides whether it did and closes displays,
 * ends sessions and revokes sign-ins accordingly (server/broker/access.ts, the only implementation).
 */
export interface AccessChanges {
  userChanged(userId: string, by: AccessCause): Promise<void>;
  poolChanged(poolId: string, by: AccessCause): Promise<void>;
}

export interface AuthDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  audit: Audit;
  config: AuthConfig;
  access: AccessChanges;
  /** Seals the directory password a sign-in keeps for passthrough machines (sign-in-secrets.ts); without it none is kept. */
  vault?: Vault;
}

export const DEFAULT_SESSION_TTL_S = 12 * 3600;

export function passwordPolicyOf(config: AuthConfig): PasswordPolicy {
  return { minLength: config.passwordMinLength ?? DEFAULT_MIN_PASSWORD_LENGTH };
}

export function sessionTtlMs(config: AuthConfig): number {
  const s = Number.isFinite(config.sessionTtlS) && config.sessionTtlS > 0 ? config.sessionTtlS : DEFAULT_SESSION_TTL_S;
  return s * 1000;
}
