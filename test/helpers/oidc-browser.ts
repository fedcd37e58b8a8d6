// Test-only: a browser in miniature for OpenID Connect flows over HTTP: one cookie jar across the
// gateway and the provider (cookies ignore ports, as in browsers), redirects followed by hand, and
// the test provider's login form (test/helpers/oidc-provider.ts) filled in.
import { expect } from 'vitest';
import { ATTEMPT_COOKIE } from '../../server/http/routes/oidc.ts';
import { OIDC_ACCOUNTS } from './oidc-provider.ts';

/** A browser in miniature: one cookie jar across both sites (cookies ignore ports, as in browsers). */
export class OidcBrowser {
  constructor(private readonly app: string) {}

  jar = new Map<string, string>();
  setCookies: string[] = [];
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, eq), pair!.slice(eq + 1)];
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
  /** Starts a sign-in; answers the authorization URL we were sent to. */
  async start(providerId: string, next = '/desktops?tab=mine'): Promise<URL> {
    const res = await this.request(`${this.app}/api/v1/auth/oidc/${providerId}/start?next=${encodeURIComponent(next)}`);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }
  /**
   * Walks the provider's pages from `url` (submitting the login form, or pressing Cancel) until it
   * sends the browser back to our callback; answers that callback URL, unfollowed.
   */
  async atProvider(url: URL | string, login: { username: string; password: string } | 'cancel'): Promise<string> {
    let at = String(url);
    for (let hop = 0; hop < 12; hop++) {
      if (at.startsWith(this.app)) return at;
      const res = await this.request(at);
      if (res.status >= 300 && res.status < 400) {
        at = new URL(res.headers.get('location')!, at).href;
        continue;
      }
      const html = await res.text();
      const form =
        login === 'cancel'
          ? /<form id="cancel" method="post" action="([^"]+)"/.exec(html)
          : /<form id="login" method="post" action="([^"]+)"/.exec(html);
      if (!form) throw new Error(`unexpected provider page (${res.status}): ${html.slice(0, 300)}`);
      const body = login === 'cancel' ? '' : new URLSearchParams(login).toString();
      const posted = await this.request(new URL(form[1]!, at).href, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      if (posted.status === 200) throw new Error(`login refused: ${(await posted.text()).match(/<p id="error">([^<]*)/)?.[1]}`);
      at = new URL(posted.headers.get('location')!, at).href;
    }
    throw new Error('too many hops at the provider');
  }
  async signInUpTo(providerId: string, username: string, next?: string): Promise<string> {
    return this.atProvider(await this.start(providerId, next), { username, password: OIDC_ACCOUNTS[username]!.password });
  }
  attemptId(): string {
    return this.jar.get(ATTEMPT_COOKIE)!;
  }
}
