// The passport strategy over ldapAuthenticate (server/auth/ldap.ts), so the sign-in route runs a
// directory exactly the way it runs the local password strategy: it reads the request body.
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { ldapAuthenticate, type LdapOptions, type LdapProviderConfig } from '../auth/ldap.ts';

export interface LdapStrategyOptions extends LdapOptions {
  usernameField?: string;
  passwordField?: string;
}

/**
 * Passport strategy over ldapAuthenticate. Success yields the ExternalIdentity as the user; a
 * failure passes `{ message, reason, detail }` as the challenge (info), like the local strategy.
 */
export class LdapStrategy extends Strategy {
  name = 'ldap';

  constructor(
    private readonly config: LdapProviderConfig,
    private readonly options: LdapStrategyOptions = {},
  ) {
    super();
  }

  override authenticate(req: Request): void {
    const body: unknown = req.body;
    const field = (f: string) => (body && typeof body === 'object' ? (body as Record<string, unknown>)[f] : undefined);
    const username = field(this.options.usernameField ?? 'username');
    const password = field(this.options.passwordField ?? 'password');
    if (typeof username !== 'string' || typeof password !== 'string') {
      this.fail({ message: 'Missing credentials', reason: 'unknown_user', detail: 'missing credentials' }, 400);
      return;
    }
    ldapAuthenticate(this.config, username, password, this.options).then(
      (r) => {
        if (r.ok) this.success(r.identity);
        else
          this.fail(
            {
              message: r.reason === 'directory_unavailable' ? 'The directory is unavailable.' : 'Wrong username or password.',
              reason: r.reason,
              detail: r.detail,
            },
            401,
          );
      },
      (err: unknown) => this.error(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
