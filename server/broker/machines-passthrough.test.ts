// Passthrough machines, against the real SQLite store and a real vault: guacd gets the directory login
// of the web session the ticket came from (with the machine's domain), and without one (an API token,
// someone else's or an ended web session, a local or OIDC sign-in) the same clear refusal at launch,
// at ticket time, at connect and on the person's tile.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../audit.ts';
import { keepSignInPassword, PASSTHROUGH_REFUSAL } from '../auth/sign-in-secrets.ts';
import { openTestStore } from '../auth/testing/test-store.ts';
import { ManualClock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { aMachine } from '../store/store.contract-machines.ts';
import { aHost, aSession, aUser } from '../store/store.fixtures.ts';
import type { Session, Store, User, WebSession } from '../store/types.ts';
import { createVault } from '../vault.ts';
import { createMachines, type Machines } from './machines.ts';

const clock = new ManualClock();
const vault = createVault(randomBytes(32));
let store: Store;
let machines: Machines;
let bob: User;
let web: WebSession;
let session: Session;
const machineId = 'm-pass';

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (e instanceof DomainError ? { code: e.code, message: e.message } : e),
  );
const REFUSED = { code: 'directory_sign_in_required', message: PASSTHROUGH_REFUSAL };

beforeEach(async () => {
  store = await openTestStore(clock);
  const log = silentLogger();
  machines = createMachines({
    store,
    clock,
    log,
    audit: createAudit(store, log),
    vault,
    isConnected: () => true,
    endSession: async () => undefined,
  });
  await store.createHost(aHost({ id: 'h-a', state: 'online' }));
  await store.createMachine(
    aMachine({ id: machineId, hostId: 'h-a', credentialMode: 'passthrough', domain: 'CORP', username: '', passwordSealed: null }),
  );
  bob = await store.createUser(aUser({ id: 'u-bob', username: 'bob', passwordHash: null }));
  const now = clock.now();
  web = { hash: 'h'.repeat(64), id: 'web-bob', userId: bob.id, createdAt: now, lastSeenAt: now, expiresAt: now + 3600_000 };
  await store.createWebSession(web);
  await keepSignInPassword(
    { store, clock, log, vault },
    { webSessionId: web.id, userId: bob.id, providerId: 'corp-ldap', username: 'bob.dir', password: 'directory-pw' },
  );
  session = await store.createSession(
    aSession(bob.id, 'unused', { poolId: null, machineId, protocol: 'rdp', state: 'ready', hostId: 'h-a' }),
  );
});
afterEach(() => store.close());

describe('a passthrough machine', () => {
  it('hands guacd the directory login of the ticket’s web session, with the machine’s domain', async () => {
    const c = await machines.machineConnection(session, web.id);
    expect(c.settings).toEqual({ username: 'bob.dir', password: 'directory-pw', domain: 'CORP', security: 'any' });
    await expect(machines.checkTicket(session, web.id)).resolves.toBeUndefined();
    expect((await machines.prepareLaunch(bob, machineId, web.id)).machine.id).toBe(machineId);
    expect((await machines.listFor(bob, web.id))[0]).not.toHaveProperty('unavailable');
  });

  it('refuses clearly without a directory sign-in behind the request: an API token, another person’s or an ended web session', async () => {
    expect(await refusal(machines.machineConnection(session, null))).toEqual(REFUSED);
    expect(await refusal(machines.checkTicket(session, undefined))).toEqual(REFUSED);
    expect(await refusal(machines.prepareLaunch(bob, machineId, null))).toEqual(REFUSED);
    expect((await machines.listFor(bob, null))[0]?.unavailable).toBe(PASSTHROUGH_REFUSAL);

    const ann = await store.createUser(aUser({ id: 'u-ann' }));
    expect(await refusal(machines.prepareLaunch(ann, machineId, web.id))).toEqual(REFUSED);
    await store.deleteWebSession(web.hash); // signed out
    expect(await refusal(machines.machineConnection(session, web.id))).toEqual(REFUSED);
  });

  it('leaves the other modes alone: a shared machine needs no sign-in password', async () => {
    await store.updateMachine(machineId, { credentialMode: 'shared', username: 'svc' });
    expect((await machines.machineConnection(session, null)).settings).toMatchObject({ username: 'svc' });
  });
});
