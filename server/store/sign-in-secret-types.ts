// The directory password a person signed in with, kept (sealed by the vault) for the life of that
// web session only, so `passthrough` machines can log them in with it. docs/passthrough.md says why
// it lives in its own table keyed by the web session and when it is deleted.

/** A web session's kept sign-in password; `passwordSealed` comes from server/vault.ts, never plaintext. */
export interface SignInSecret {
  webSessionId: string;
  userId: string;
  /** The directory (LDAP provider id) that checked the password. */
  providerId: string;
  /** The directory's own name for the person (its usernameAttribute: uid, sAMAccountName). */
  username: string;
  passwordSealed: string;
  createdAt: number;
}

/** Where a kept password belongs: the vault refuses a sealed value copied into another web session's row. */
export const signInSecretAad = (webSessionId: string) => `websession:${webSessionId}:password`;

export interface SignInSecretStore {
  /** Keeps (or replaces) the web session's password; the web session must exist. */
  putSignInSecret(s: SignInSecret): Promise<void>;
  getSignInSecret(webSessionId: string): Promise<SignInSecret | null>;
  /** The user's kept passwords except the one of `exceptWebSessionId` (a newer sign-in compares against them). */
  listSignInSecretsOfUser(userId: string, exceptWebSessionId?: string): Promise<SignInSecret[]>;
  /** True when one existed. Rows also go with their web session (ON DELETE CASCADE) and their user. */
  deleteSignInSecret(webSessionId: string): Promise<boolean>;
}
