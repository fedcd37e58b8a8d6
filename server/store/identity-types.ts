// Entities and Store methods for external identity providers (OIDC, LDAP): the providers an admin
// configured, their group mappings, and the link from an external identity to a Deskport user.
import type { Role } from './types.ts';

export type IdentityProviderKind = 'oidc' | 'ldap';

export interface IdentityProvider {
  id: string;
  kind: IdentityProviderKind;
  name: string;
  enabled: boolean;
  /** The provider module's settings (server/auth/oidc.ts, ldap.ts), secrets included. */
  config: Record<string, unknown>;
  /** Order on the sign-in page and for trying LDAP directories. */
  position: number;
  createdAt: number;
  updatedAt: number;
}

export interface GroupMapping {
  id: string;
  providerId: string;
  externalGroup: string;
  /** Exactly one of groupId and role is set. */
  groupId: string | null;
  role: Role | null;
}

export interface UserIdentity {
  providerId: string;
  subject: string;
  userId: string;
  /** Group ids and roles this provider granted at the last sign-in. */
  managedGroups: string[];
  managedRoles: Role[];
  createdAt: number;
  lastLoginAt: number;
}

export interface IdentityStore {
  listIdentityProviders(): Promise<IdentityProvider[]>;
  getIdentityProvider(id: string): Promise<IdentityProvider | null>;
  /** Throws StoreConflictError('duplicate') when the id is taken. */
  createIdentityProvider(p: IdentityProvider): Promise<IdentityProvider>;
  updateIdentityProvider(id: string, patch: Partial<Omit<IdentityProvider, 'id' | 'kind' | 'createdAt'>>): Promise<IdentityProvider | null>;
  /** Its mappings go with it; the identities stay (their users keep their accounts). */
  deleteIdentityProvider(id: string): Promise<boolean>;
  listGroupMappings(providerId: string): Promise<GroupMapping[]>;
  /** Replaces all of a provider's mappings in one transaction. */
  replaceGroupMappings(providerId: string, mappings: GroupMapping[]): Promise<void>;
  getUserIdentity(providerId: string, subject: string): Promise<UserIdentity | null>;
  putUserIdentity(i: UserIdentity): Promise<void>;
  listIdentitiesOfUser(userId: string): Promise<UserIdentity[]>;
  /** Every link, for lists of all users (one read instead of one per user). */
  listUserIdentities(): Promise<UserIdentity[]>;
}
