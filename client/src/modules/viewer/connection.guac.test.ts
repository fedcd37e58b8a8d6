// The viewer connection with an RDP/SSH ticket: the guac display engine (a stand-in here; the real
// one runs in Chromium in test/e2e/rdp-viewer.test.ts) and the reconnect decisions it reports.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DisplayClose } from '../../../../contract/display.ts';
import { ViewerConnection, type ViewerState } from './connection.ts';
import { GUACD_UNAVAILABLE } from './guac/guacStatus.ts';
import type { DisplayDrop, DisplayHandlers, DisplayOptions, OpenDisplay } from './remoteDisplay.ts';

/** Stands in for guacDisplay.ts: records what it was opened with; the test decides how it ends. */
class FakeGuac {
  static made: FakeGuac[] = [];
  pasted: string[] = [];
  constructor(
    readonly options: DisplayOptions,
    readonly h: DisplayHandlers,
  ) {
    FakeGuac.made.push(this);
  }
  drop(d: DisplayDrop): void {
    queueMicrotask(() => this.h.dropped(d));
  }
}
const openFake: OpenDisplay = (o, h) => {
  const g = new FakeGuac(o, h);
  return {
    disconnect: () => g.drop({ clean: true }),
    sendCtrlAltDel: () => {},
    paste: (t) => g.pasted.push(t),
    focus: () => {},
  };
};

let tickets = 0;
let protocol = 'rdp';

beforeEach(() => {
  FakeGuac.made = [];
  tickets = 0;
  protocol = 'rdp';
  // The test hook (debugHook.ts) lands on `window`.
  vi.stubGlobal('window', {});
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init?: RequestInit) => {
      if (path === '/api/v1/sessions/s1' && (init?.method ?? 'GET') === 'GET')
        return Response.json({
          session: { id: 's1', poolId: 'p1', userId: 'u1', state: 'ready', createdAt: '2026-01-01T09:00:00.000Z', viewers: 0, protocol },
        });
      if (path === '/api/v1/sessions/s1/tickets' && init?.method === 'POST') {
        tickets++;
        const url = protocol === 'vnc' ? `/ws/vnc?ticket=t${tickets}` : `/ws/rdp?token=tok${tickets}`;
        return Response.json(
          { ticket: `t${tickets}`, url, protocol, mode: 'control', expiresAt: new Date(Date.now() + 30_000).toISOString() },
          { status: 201 },
        );
      }
      return Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 });
    }),
  );
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function connect(): { conn: ViewerConnection; states: ViewerState[]; loadRfb: ReturnType<typeof vi.fn> } {
  const states: ViewerState[] = [];
  const loadRfb = vi.fn(async () => {
    throw new Error('noVNC must not load for an RDP ticket');
  });
  const conn = new ViewerConnection({
    sessionId: 's1',
    target: {} as HTMLElement,
    onState: (s) => states.push(s),
    onClipboard: () => {},
    loadRfb,
    loadGuac: async () => openFake,
  });
  conn.start();
  return { conn, states, loadRfb };
}
const last = (states: ViewerState[]): ViewerState | undefined => states[states.length - 1];

describe('the viewer with an RDP or SSH ticket', () => {
  for (const p of ['rdp', 'ssh']) {
    it(`opens the guac display (not noVNC) with the ${p} ticket's url, taking input and resizing`, async () => {
      protocol = p;
      const { conn, states, loadRfb } = connect();
      await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(1));
      expect(FakeGuac.made[0]!.options).toMatchObject({ url: '/ws/rdp?token=tok1', viewOnly: false, resizeSession: true });
      expect(loadRfb).not.toHaveBeenCalled();
      FakeGuac.made[0]!.h.connected();
      expect(last(states)?.kind).toBe('connected');
      expect(window.__deskport).toMatchObject({ rfbState: 'connected', protocol: p });
      conn.pasteToRemote('hello');
      expect(FakeGuac.made[0]!.pasted).toEqual(['hello']);
      conn.dispose();
    });
  }

  it('stops on a failure it was told about (wrong credentials) and tries again only when asked, with a new ticket', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(1));
    FakeGuac.made[0]!.drop({ clean: false, fail: { title: 'Wrong user name or password', text: 'Update them.' } });
    await vi.waitFor(() => expect(last(states)).toEqual({ kind: 'failed', title: 'Wrong user name or password', message: 'Update them.' }));
    await new Promise((r) => setTimeout(r, 1200)); // longer than the first backoff step
    expect(FakeGuac.made).toHaveLength(1);
    conn.reconnectNow();
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(2));
    expect(FakeGuac.made[1]!.options.url).toBe('/ws/rdp?token=tok2');
    conn.dispose();
  });

  it('reconnects with a new ticket while guacd is away, and says that RDP needs guacd', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(1));
    FakeGuac.made[0]!.h.connected();
    FakeGuac.made[0]!.drop({ clean: false, closeCode: DisplayClose.GuacdUnavailable, retryNote: GUACD_UNAVAILABLE });
    await vi.waitFor(() => expect(last(states)).toMatchObject({ kind: 'reconnecting', everConnected: true, note: GUACD_UNAVAILABLE }));
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(2), { timeout: 2000 });
    // Meanwhile the gateway refuses the upgrade: the browser learns nothing new, the note stays.
    FakeGuac.made[1]!.drop({ clean: false, closeCode: 1006 });
    await vi.waitFor(() => expect(last(states)).toMatchObject({ kind: 'reconnecting', note: GUACD_UNAVAILABLE }));
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(3), { timeout: 3000 });
    FakeGuac.made[2]!.h.connected();
    expect(last(states)?.kind).toBe('connected');
    FakeGuac.made[2]!.drop({ clean: false, closeCode: 1006 });
    await vi.waitFor(() => expect(last(states)?.kind).toBe('reconnecting'));
    expect(last(states)).not.toHaveProperty('note');
    conn.dispose();
  });

  it('ends for good when access was taken away, whatever else the display reported', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(1));
    FakeGuac.made[0]!.drop({ clean: false, closeCode: DisplayClose.AccessRevoked, fail: { title: 'x', text: 'y' } });
    await vi.waitFor(() => expect(last(states)).toMatchObject({ kind: 'ended', title: 'You no longer have access to this desktop' }));
    conn.dispose();
  });

  it('treats the person’s own disconnect as "You disconnected", not as a failure', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(1));
    FakeGuac.made[0]!.h.connected();
    conn.disconnect();
    await vi.waitFor(() => expect(last(states)?.kind).toBe('closed'));
    expect(tickets).toBe(1);
    conn.dispose();
  });

  it('ignores what a display reports after it was replaced', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(1));
    const first = FakeGuac.made[0]!;
    first.drop({ clean: false });
    await vi.waitFor(() => expect(FakeGuac.made).toHaveLength(2), { timeout: 2000 });
    first.h.connected();
    first.h.dropped({ clean: false, fail: { title: 'stale', text: 'stale' } });
    expect(last(states)?.kind).toBe('connecting');
    conn.dispose();
  });
});
