// Web sessions with plain values (the cookie's value in, the secret to set out), against the real
// SQLite store: only the hash is stored, expiry slides at most once a minute, a sign-in replaces the
// browser's previous session, and a dropped or expired session is gone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../audit.ts';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { sha256 } from '../util/random.ts';
import type { AuthDeps } from './deps.ts';
import { openTestStore } from './testing/test-store.ts';
import { dropWebSession, resolveWebSession, signInBrowser, startWebSession } from './web-sessions.ts';

const clock = new ManualClock();
let store: Store;
let deps: AuthDeps;

beforeEach(async () => {
  store = await openTestStore(clock);
  deps = {
    store,
    clock,
    log: silentLogger(),
    audit: createAudit(store, silentLogger()),
    config: { cookieSecure: false, sessionTtlS: 3600 },
    access: { userChanged: async () => {}, poolChanged: async () => {} },
  };
  await store.createUser({
    id: 'u-alice',
    username: 'alice',
    displayName: 'alice',
    roles: ['user'],
    groups: [],
    disabled: false,
    passwordHash: null,
    createdAt: 0,
  });
});
afterEach(() => store.close());

describe('web sessions', () => {
  it('hands out a secret whose hash alone is stored, with the origin it came from', async () => {
    const { session, cookie } = await startWebSession(deps, 'u-alice', { ip: '192.0.2.7', userAgent: 'Firefox' });
    expect(cookie.maxAgeMs).toBe(3600_000);
    expect(session.hash).toBe(sha256(cookie.value));
    expect(await store.getWebSession(cookie.value)).toBeNull();
    expect(await store.getWebSession(session.hash)).toMatchObject({ userId: 'u-alice', ip: '192.0.2.7', userAgent: 'Firefox' });
  });

  it('slides the expiry with use, answering a refreshed secret at most once a minute', async () => {
    const { cookie } = await startWebSession(deps, 'u-alice');
    clock.advance(30_000);
    expect((await resolveWebSession(deps, cookie.value))?.refreshed).toBeUndefined();
    clock.advance(40_000);
    expect((await resolveWebSession(deps, cookie.value))?.refreshed).toEqual({ value: cookie.value, maxAgeMs: 3600_000 });
    clock.advance(3600_000);
    expect(await resolveWebSession(deps, cookie.value)).toBeNull();
    expect(await store.getWebSession(sha256(cookie.value))).toBeNull();
  });

  it('a sign-in ends the browser’s previous session; dropping ends it too', async () => {
    const first = await startWebSession(deps, 'u-alice');
    const second = await signInBrowser(deps, first.cookie.value, 'u-alice', {});
    expect(await resolveWebSession(deps, first.cookie.value)).toBeNull();
    expect(await dropWebSession(deps, second.cookie.value)).toBe(true);
    expect(await dropWebSession(deps, second.cookie.value)).toBe(false);
    expect(await resolveWebSession(deps, null)).toBeNull();
  });
});
