// Displays checked against the store, for when another gateway's close was lost: a helpdesk display
// whose shadow ended or changed mode closes at the next check, and after a gap every display of an
// ended session or a disabled person closes too.
import { afterEach, describe, expect, it } from 'vitest';
import { DisplayClose } from '../../contract/display.ts';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { Viewers, type Viewer } from '../broker/viewers.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { aSession, aUser, T0 } from '../store/store.fixtures.ts';
import type { Shadow } from '../store/shadow-types.ts';
import type { Store } from '../store/types.ts';
import { startDisplayRecheck } from './display-recheck.ts';

function viewer(userId: string, mode: 'view' | 'control', shadowId?: string): Viewer & { closed: number[] } {
  const closed: number[] = [];
  return { userId, mode, ...(shadowId ? { shadowId } : {}), closed, close: (code) => closed.push(code) };
}

describe('displays checked against the store', () => {
  const stores: Store[] = [];
  const stops: (() => void)[] = [];
  afterEach(async () => {
    stops.splice(0).forEach((s) => s());
    for (const s of stores.splice(0)) await s.close();
  });

  async function setUp() {
    const store = openSqliteStore({ file: ':memory:', clock: new ManualClock(T0) });
    stores.push(store);
    const owner = await store.createUser(aUser({ username: 'olive' }));
    const helper = await store.createUser(aUser({ username: 'hank', roles: ['helpdesk'] }));
    const session = await store.createSession(aSession(owner.id, 'p-1', { state: 'ready' }));
    const shadow = (id: string, over: Partial<Shadow> = {}): Shadow => ({
      id,
      sessionId: session.id,
      ownerId: owner.id,
      requesterId: helper.id,
      requesterName: 'hank',
      requesterDisplayName: 'hank',
      mode: 'view',
      reason: 'r',
      state: 'approved',
      consent: 'owner',
      sound: false,
      createdAt: T0,
      decidedAt: T0,
      endedAt: null,
      ...over,
    });
    const viewers = new Viewers();
    const recheck = startDisplayRecheck({ store, viewers, log: silentLogger(), everyMs: 60_000 });
    stops.push(recheck.stop);
    return { store, owner, helper, session, shadow, viewers, recheck };
  }

  it('closes a helpdesk display whose shadow is no longer approved in its mode, and leaves the rest open', async () => {
    const { store, owner, helper, session, shadow, viewers, recheck } = await setUp();
    await store.createShadow(shadow('sh-ok'));
    await store.createShadow(shadow('sh-ended'));
    await store.createShadow(shadow('sh-view', { mode: 'view' }));
    const ok = viewer(helper.id, 'view', 'sh-ok');
    const ended = viewer(helper.id, 'view', 'sh-ended');
    const wrongMode = viewer(helper.id, 'control', 'sh-view');
    const unknown = viewer(helper.id, 'view', 'sh-none');
    const ownerView = viewer(owner.id, 'control');
    for (const v of [ok, ended, wrongMode, unknown, ownerView]) viewers.add(session.id, v);
    await store.moveShadow('sh-ended', ['approved'], { state: 'ended', endedAt: T0 + 1 });
    await recheck.all();
    expect(ok.closed).toEqual([]);
    expect(ownerView.closed).toEqual([]);
    for (const v of [ended, wrongMode, unknown]) expect(v.closed).toEqual([DisplayClose.ShadowEnded]);
  });

  it('after a gap, closes the displays of ended sessions and of disabled people', async () => {
    const { store, owner, helper, session, viewers, recheck } = await setUp();
    const other = await store.createSession(aSession(owner.id, 'p-1', { state: 'ended' }));
    const mine = viewer(owner.id, 'control');
    const gone = viewer(owner.id, 'control');
    const disabled = viewer(helper.id, 'control');
    viewers.add(session.id, mine);
    viewers.add(other.id, gone);
    viewers.add(session.id, disabled);
    await store.updateUser(helper.id, { disabled: true });
    await recheck.all();
    expect(mine.closed).toEqual([]);
    expect(gone.closed).toEqual([DisplayClose.SessionEnded]);
    expect(disabled.closed).toEqual([DisplayClose.AccountDisabled]);
  });
});
