// What an external identity provider (OIDC, LDAP) tells the gateway about a person who just proved
// who they are. Each provider module turns its own answer into this shape; one function
// (provisioning, later in this file's neighbour) turns it into a Deskport user: created or updated
// just in time, groups and roles mapped from `groups`.

export type ProviderKind = 'oidc' | 'ldap';

export interface ExternalIdentity {
  /** The configured provider's id (for example "corp-ldap"). */
  providerId: string;
  /** Stable identifier at the provider: OIDC `sub`, LDAP entryUUID (or the DN when absent). */
  subject: string;
  /** The name the person signs in with at the provider; becomes the Deskport username if free. */
  username: string;
  displayName: string | null;
  email: string | null;
  /** External group names as the provider reports them (OIDC claim values, LDAP group cn/DN). */
  groups: string[];
}
