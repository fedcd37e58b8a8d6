// What happens after an OpenID Connect provider answered, HTTP-free: the person's account is
// provisioned or updated just in time (provisioning.ts), a second factor is asked when they have
// one (the sign-in then waits in the store for the code, for whichever gateway gets it), a web session starts, and
// everything is audited. The HTTP side (cookies, redirects) is server/http/routes/oidc-sign-in.ts.
import { throttled, DomainError } from '../errors.ts';
import { secretToken, sha256 } from '../util/random.ts';
import type { IdentityStore } from '../store/identity-types.ts';
import type { Store, User } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import type { ExternalIdentity } from './identity.ts';
import { accountKey, type LoginThrottle } from './login-throttle.ts';
import type { ProviderRegistry } from './providers.ts';
import { provisionExternalUser } from './provisioning.ts';
import { checkSecondFactor, otpRequired, secondFactorPassed } from './mfa.ts';
import { createOidcDiscovery, endSessionUrl, type OidcDiscovery } from './oidc.ts';
import { signInBrowser, type IssuedSecret, type SessionOrigin } from './web-sessions.ts';

export interface OidcSignInDeps extends AuthDeps {
  store: Store & IdentityStore;
  providers: ProviderRegistry;
  publicUrl: () => string;
  /** The sign-in throttle the password form uses: a wrong code here counts the same. */
  throttle: LoginThrottle;
}

/** The browser this happens in: its address, its current cookies' values. */
export interface BrowserAt {
  ip: string;
  origin: SessionOrigin;
  sessionCookie: string | null;
  rememberCookie: string | null;
}

/**
 * A provider sign-in of someone with two-step verification waits in the store for the code (any
 * gateway may get it): the browser holds the key, the sign-in page asks for the code and posts it.
 * Five minutes, five tries, one success. Only a real provider sign-in makes one, and housekeeping
 * removes the expired.
 */
interface PendingCode {
  userId: string;
  providerId: string;
  next: string;
}
const PENDING_KIND = 'oidc-code';
export const PENDING_TTL_MS = 5 * 60_000;
const PENDING_TRIES = 5;

/** What the store holds, if it has the shape this code writes (else the sign-in counts as expired). */
function pendingCodeOf(data: unknown): PendingCode | null {
  const d = data as Partial<PendingCode> | null;
  return d && typeof d.userId === 'string' && typeof d.providerId === 'string' && typeof d.next === 'string'
    ? { userId: d.userId, providerId: d.providerId, next: d.next }
    : null;
}

export type IdentityOutcome =
  | { kind: 'disabled' }
  /** The code is asked: `pendingKey` goes to the browser, `query` to the sign-in page. */
  | { kind: 'code'; pendingKey: string; query: URLSearchParams }
  | { kind: 'signed-in'; session: IssuedSecret };

export interface CodeInput {
  otp?: string;
  remember?: boolean;
}

export interface CodeOutcome {
  user: User;
  next: string;
  session: IssuedSecret;
  remember?: IssuedSecret;
}

export interface OidcSignIn {
  /** One discovery cache for sign-in and sign-out. */
  discovery: OidcDiscovery;
  acceptIdentity(identity: ExternalIdentity, next: string, at: BrowserAt): Promise<IdentityOutcome>;
  /**
   * The code for a pending sign-in (no code: only asks whether the browser is remembered). The
   * body is read once the sign-in is known to be pending, so an expired one says so first.
   */
  confirmCode(pendingKey: string | undefined, body: () => CodeInput, at: BrowserAt): Promise<CodeOutcome>;
  /** A failed callback of an attempt this browser started. */
  failed(providerId: string, reason: string, ip: string): Promise<void>;
  /**
   * RP-initiated logout: the OIDC provider the person last signed in with, when it is configured
   * with endSessionRedirect and offers an end_session_endpoint; null otherwise (or when unreachable).
   */
  endSessionUrl(userId: string): Promise<string | null>;
}

const expired = () => new DomainError('unauthenticated', 'sign_in_expired', 'This sign-in has expired. Sign in with your provider again.');

export function createOidcSignIn(deps: OidcSignInDeps): OidcSignIn {
  const discovery = createOidcDiscovery({ clock: deps.clock });

  async function finish(userId: string, providerId: string, details: Record<string, unknown>, at: BrowserAt): Promise<IssuedSecret> {
    const { cookie } = await signInBrowser(deps, at.sessionCookie, userId, at.origin);
    const user = await deps.store.getUser(userId);
    await deps.audit.record({
      actor: user?.username ?? userId,
      action: 'auth.login',
      target: userId,
      result: 'ok',
      ip: at.ip,
      details: { provider: providerId, ...details },
    });
    return cookie;
  }

  async function acceptIdentity(identity: ExternalIdentity, next: string, at: BrowserAt): Promise<IdentityOutcome> {
    const { ip } = at;
    const r = await provisionExternalUser(deps, identity, ip);
    if (!r.ok) {
      await deps.audit.record({
        actor: identity.username.slice(0, 64),
        action: 'auth.login',
        target: r.user.id,
        result: 'failed',
        ip,
        details: { provider: identity.providerId, reason: 'disabled' },
      });
      return { kind: 'disabled' };
    }
    // Two-step verification applies to provider sign-ins too (unless this browser is remembered).
    const second = await checkSecondFactor(deps, at.rememberCookie, r.user, undefined);
    if (!second.ok) {
      const key = secretToken();
      const data: PendingCode = { userId: r.user.id, providerId: identity.providerId, next };
      await deps.store.createPendingSignIn({ hash: sha256(key), kind: PENDING_KIND, data, expiresAt: deps.clock.now() + PENDING_TTL_MS });
      const { rememberDays } = await deps.store.getMfaPolicy();
      const query = new URLSearchParams({
        step: 'code',
        provider: identity.providerId,
        user: r.user.username,
        rememberDays: String(rememberDays),
        next,
      });
      await deps.audit.record({
        actor: r.user.username,
        action: 'auth.login',
        target: r.user.id,
        result: 'denied',
        ip,
        details: { provider: identity.providerId, reason: 'otp_required' },
      });
      return { kind: 'code', pendingKey: key, query };
    }
    const session = await finish(
      r.user.id,
      identity.providerId,
      { created: r.created, ...(second.via === 'none' ? {} : { mfa: second.via }) },
      at,
    );
    return { kind: 'signed-in', session };
  }

  async function confirmCode(pendingKey: string | undefined, body: () => CodeInput, at: BrowserAt): Promise<CodeOutcome> {
    const hash = pendingKey ? sha256(pendingKey) : '';
    const stored = hash ? await deps.store.getPendingSignIn(hash, PENDING_KIND) : null;
    const p = stored && stored.expiresAt > deps.clock.now() ? pendingCodeOf(stored.data) : null;
    if (!p) {
      if (stored) await deps.store.takePendingSignIn(hash, PENDING_KIND);
      throw expired();
    }
    const input = body();
    const user = await deps.store.getUser(p.userId);
    if (!user || user.disabled) {
      await deps.store.takePendingSignIn(hash, PENDING_KIND);
      throw expired();
    }
    const { ip } = at;
    const attempt = { account: accountKey(user.username), ip };
    const otp = input.otp?.trim() ? input.otp : undefined;
    // A code is counted before it is checked (so a burst cannot outrun the limit); asking without one is not.
    const wait = otp ? await deps.throttle.admit(attempt) : await deps.throttle.check(attempt);
    if (wait) throw throttled(wait.waitS, `Too many wrong codes. Wait ${wait.waitS} seconds and try again.`);
    const second = await checkSecondFactor(deps, at.rememberCookie, user, otp);
    if (!second.ok && second.reason === 'otp_required') throw await otpRequired(deps);
    if (!second.ok) {
      const lock = await deps.throttle.failed(attempt);
      if (lock)
        await deps.audit.record({
          actor: user.username,
          action: 'auth.throttled',
          target: user.id,
          result: 'denied',
          ip,
          details: { scope: lock.scope, lockS: lock.lockS },
        });
      // Counted in the store: tries through other gateways count too. Gone meanwhile counts as used up.
      const tries = (await deps.store.countPendingSignInTry(hash)) ?? PENDING_TRIES;
      if (tries >= PENDING_TRIES) await deps.store.takePendingSignIn(hash, PENDING_KIND);
      await deps.audit.record({
        actor: user.username,
        action: 'auth.login',
        target: user.id,
        result: 'failed',
        ip,
        details: { provider: p.providerId, reason: second.reason },
      });
      throw new DomainError(
        'unauthenticated',
        tries >= PENDING_TRIES ? 'sign_in_expired' : 'invalid_otp',
        tries >= PENDING_TRIES
          ? 'Too many wrong codes. Sign in with your provider again.'
          : 'That code is not right, or was used already. Enter the current code from your authenticator app, or a recovery code.',
      );
    }
    // One success per sign-in: of two requests with the right code at once, only one takes it.
    if (!(await deps.store.takePendingSignIn(hash, PENDING_KIND))) throw expired();
    await deps.throttle.succeeded(attempt);
    const session = await finish(user.id, p.providerId, { mfa: second.via }, at);
    const passed = await secondFactorPassed(deps, user, second.via, input.remember, ip);
    return { user, next: p.next, session, remember: passed.cookie };
  }

  async function failed(providerId: string, reason: string, ip: string): Promise<void> {
    await deps.audit.record({
      actor: `provider:${providerId}`.slice(0, 64),
      action: 'auth.login',
      target: null,
      result: 'failed',
      ip,
      details: { provider: providerId, reason },
    });
  }

  async function endSession(userId: string): Promise<string | null> {
    const oidc = deps.providers.oidc().filter((p) => p.endSessionRedirect);
    if (oidc.length === 0) return null;
    const last = (await deps.store.listIdentitiesOfUser(userId))
      .filter((i) => oidc.some((p) => p.id === i.providerId))
      .sort((a, b) => b.lastLoginAt - a.lastLoginAt)[0];
    const provider = last && oidc.find((p) => p.id === last.providerId);
    return provider ? endSessionUrl(provider, undefined, `${deps.publicUrl()}/signin`, discovery) : null;
  }

  return { discovery, acceptIdentity, confirmCode, failed, endSessionUrl: endSession };
}
