// The broker's views are exactly the contract's shapes: a field added on one side only fails here.
import { describe, expect, it } from 'vitest';
import { z } from 'zod/mini';
import { ShadowView, SessionView } from '../../contract/api/desktops.ts';
import type { Session } from '../store/types.ts';
import { shadowView, type Shadow } from './shadows.ts';
import { sessionView } from './views.ts';

const session: Session = {
  id: 's1',
  poolId: 'p1',
  userId: 'u1',
  state: 'ready',
  desktopId: 'd1',
  hostId: 'h1',
  createdAt: 1_000,
  readyAt: 2_000,
  endedAt: null,
  lastActivityAt: 2_000,
  detachedAt: null,
  error: null,
};
const shadow: Shadow = {
  id: 'sh1',
  sessionId: 's1',
  ownerId: 'u1',
  requesterId: 'u2',
  requesterName: 'hank',
  requesterDisplayName: 'Hank',
  mode: 'view',
  sound: false,
  reason: 'printer',
  state: 'approved',
  consent: 'owner',
  createdAt: 1_000,
  decidedAt: 2_000,
  endedAt: null,
};

describe('broker views', () => {
  it('a session view has the contract fields and no others', () => {
    const v = sessionView(session, 2);
    expect(z.parse(z.strictObject(SessionView.shape), v)).toEqual(v);
    expect(v).toMatchObject({ createdAt: '1970-01-01T00:00:01.000Z', readyAt: '1970-01-01T00:00:02.000Z', viewers: 2 });
  });

  it('a shadow view has the contract fields, never the owner id', () => {
    const v = shadowView(shadow);
    expect(z.parse(z.strictObject(ShadowView.shape), v)).toEqual(v);
    expect(v).not.toHaveProperty('ownerId');
    expect(v).not.toHaveProperty('endedAt');
  });
});
