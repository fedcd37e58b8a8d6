import { describe, expect, it } from 'vitest';
import { decodeHelpdeskSessions } from './helpdesk.ts';
import { decodeShadow, decodeShadows, decodeShadowTicket } from './shadows.ts';

const raw = {
  id: 'sh-1',
  sessionId: 's-1',
  requesterId: 'u-h',
  requesterName: 'hana',
  requesterDisplayName: 'Hana Helper',
  mode: 'view',
  reason: 'Ticket 42',
  state: 'pending',
  createdAt: '2026-01-01T10:00:00.000Z',
  consent: 'owner',
};

describe('shadow decoders', () => {
  it('reads a wrapped shadow with ISO times', () => {
    const s = decodeShadow({ shadow: { ...raw, decidedAt: '2026-01-01T10:00:05.000Z' } });
    expect(s).toMatchObject({ id: 'sh-1', mode: 'view', state: 'pending', consent: 'owner', requesterDisplayName: 'Hana Helper' });
    expect(s.createdAt).toBe(Date.parse('2026-01-01T10:00:00.000Z'));
    expect(s.decidedAt! - s.createdAt!).toBe(5000);
  });

  it('falls back to the username when there is no display name, and reads consent pool', () => {
    expect(decodeShadow({ shadow: { ...raw, requesterDisplayName: '', consent: 'pool' } })).toMatchObject({
      requesterDisplayName: 'hana',
      consent: 'pool',
    });
  });

  it('rejects unknown modes and states', () => {
    expect(() => decodeShadow({ shadow: { ...raw, mode: 'admin' } })).toThrow(/mode/);
    expect(() => decodeShadow({ shadow: { ...raw, state: 'maybe' } })).toThrow(/state/);
  });

  it('reads the list as [{shadow}], the way the gateway sends it', () => {
    expect(decodeShadows([{ shadow: raw }, { shadow: { ...raw, id: 'sh-2' } }]).map((s) => s.id)).toEqual(['sh-1', 'sh-2']);
    expect(() => decodeShadows([raw])).toThrow(/shadow/);
  });

  it('reads a shadow ticket with its mode', () => {
    expect(
      decodeShadowTicket({ ticket: 't', url: '/ws/vnc?ticket=t', protocol: 'vnc', mode: 'control', expiresAt: '2026-01-01T10:00:30.000Z' }),
    ).toMatchObject({ url: '/ws/vnc?ticket=t', mode: 'control', protocol: 'vnc' });
  });
});

describe('helpdesk session decoder', () => {
  it('reads names, the thumbnail and open shadows', () => {
    const [s] = decodeHelpdeskSessions([
      {
        id: 's-1',
        poolId: 'p-1',
        protocol: 'vnc',
        userId: 'u-1',
        state: 'ready',
        hostId: 'h-1',
        createdAt: '2026-01-01T09:00:00Z',
        readyAt: '2026-01-01T09:00:10Z',
        viewers: 1,
        username: 'ada',
        displayName: 'Ada Lovelace',
        poolName: 'Linux',
        hostName: 'vm',
        thumbnailUrl: '/api/v1/helpdesk/sessions/s-1/thumbnail',
        shadows: [raw],
      },
    ]);
    expect(s).toMatchObject({ username: 'ada', displayName: 'Ada Lovelace', poolName: 'Linux', hostName: 'vm', viewers: 1 });
    expect(s!.readyAt! - s!.createdAt!).toBe(10_000);
    expect(s!.shadows).toHaveLength(1);
  });

  it('copes with null names', () => {
    const [s] = decodeHelpdeskSessions([
      {
        id: 's-1',
        poolId: 'p-1',
        protocol: 'vnc',
        userId: 'u-1',
        state: 'ready',
        createdAt: '2026-01-01T09:00:00Z',
        viewers: 0,
        username: null,
        displayName: null,
        poolName: null,
        hostName: null,
        thumbnailUrl: '/api/v1/helpdesk/sessions/s-1/thumbnail',
        shadows: [],
      },
    ]);
    expect(s).toMatchObject({ username: 'u-1', displayName: 'u-1', poolName: 'p-1', hostName: undefined, shadows: [] });
    expect(s!.thumbnailUrl).toBe('/api/v1/helpdesk/sessions/s-1/thumbnail');
  });
});
