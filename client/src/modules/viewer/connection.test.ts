import { DisplayClose } from '../../../../contract/display.ts';
import type RFB from '@novnc/novnc';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionState } from '../../api/desktops.ts';
import { ViewerConnection, type ViewerState } from './connection.ts';

/** Stands in for the display WebSocket the viewer opens and hands to noVNC; the test closes it with a code. */
class FakeSocket extends EventTarget {
  constructor(readonly url: string) {
    super();
  }
  closeWith(code: number): void {
    this.dispatchEvent(Object.assign(new Event('close'), { code }));
  }
}

/** Stands in for noVNC: records the socket it was given; the test decides when it connects or drops. */
class FakeRfb extends EventTarget {
  static made: FakeRfb[] = [];
  scaleViewport = false;
  resizeSession = false;
  focusOnClick = false;
  background = '';
  constructor(
    readonly target: HTMLElement,
    readonly socket: FakeSocket,
  ) {
    super();
    FakeRfb.made.push(this);
  }
  get url(): string {
    return this.socket.url;
  }
  open(): void {
    this.dispatchEvent(new CustomEvent('connect', { detail: {} }));
  }
  drop(): void {
    this.dispatchEvent(new CustomEvent('disconnect', { detail: { clean: false } }));
  }
  disconnect(): void {
    queueMicrotask(() => this.dispatchEvent(new CustomEvent('disconnect', { detail: { clean: true } })));
  }
  focus(): void {}
}

let sessionState: SessionState;
let tickets: number;

function fakeGateway(): void {
  tickets = 0;
  vi.stubGlobal('location', new URL('https://gw.test/desktop/s1'));
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init?: RequestInit) => {
      if (path === '/api/v1/sessions/s1' && (init?.method ?? 'GET') === 'GET') {
        return Response.json({
          session: {
            id: 's1',
            poolId: 'p1',
            protocol: 'vnc',
            userId: 'u1',
            state: sessionState,
            createdAt: '2026-01-01T09:00:00.000Z',
            viewers: 0,
          },
        });
      }
      if (path === '/api/v1/sessions/s1/tickets' && init?.method === 'POST') {
        tickets++;
        return Response.json(
          {
            ticket: `t${tickets}`,
            url: `/ws/vnc?ticket=t${tickets}`,
            protocol: 'vnc',
            mode: 'control',
            expiresAt: new Date(Date.now() + 30_000).toISOString(),
          },
          { status: 201 },
        );
      }
      if (path === '/api/v1/sessions/pass/tickets') {
        tickets++;
        return Response.json(
          { error: { code: 'directory_sign_in_required', message: 'Sign in with your directory account.' } },
          { status: 409 },
        );
      }
      if (path === '/api/v1/sessions/pass') {
        const session = { id: 'pass', machineId: 'm1', protocol: 'ssh', userId: 'u1', state: 'ready', viewers: 0 };
        return Response.json({ session: { ...session, createdAt: '2026-01-01T09:00:00.000Z' } });
      }
      return Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 });
    }),
  );
}

function connect(): { conn: ViewerConnection; states: ViewerState[]; notReady: ReturnType<typeof vi.fn> } {
  const states: ViewerState[] = [];
  const notReady = vi.fn();
  const conn = new ViewerConnection({
    sessionId: 's1',
    target: {} as HTMLElement,
    onState: (s) => states.push(s),
    onClipboard: () => {},
    onNotReady: notReady,
    loadRfb: async () => FakeRfb as unknown as typeof RFB,
    openSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
  });
  conn.start();
  return { conn, states, notReady };
}

const last = (states: ViewerState[]): string | undefined => states[states.length - 1]?.kind;

beforeEach(() => {
  FakeRfb.made = [];
  sessionState = 'ready';
  fakeGateway();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('viewer connection', () => {
  it('opens the display on this origin with a fresh ticket, scaled and resizing', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    const rfb = FakeRfb.made[0]!;
    expect(rfb.url).toBe('wss://gw.test/ws/vnc?ticket=t1');
    expect([rfb.scaleViewport, rfb.resizeSession, rfb.focusOnClick]).toEqual([true, true, true]);
    rfb.open();
    expect(last(states)).toBe('connected');
    conn.dispose();
  });

  it('reconnects after an unexpected drop, with a new ticket', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    FakeRfb.made[0]!.open();
    FakeRfb.made[0]!.drop();
    expect(last(states)).toBe('reconnecting');
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(2), { timeout: 2000 });
    expect(FakeRfb.made[1]!.url).toBe('wss://gw.test/ws/vnc?ticket=t2');
    FakeRfb.made[1]!.open();
    expect(last(states)).toBe('connected');
    conn.dispose();
  });

  it('stops retrying and says the session ended once the gateway reports it ended', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    FakeRfb.made[0]!.open();
    sessionState = 'ended';
    FakeRfb.made[0]!.drop();
    await vi.waitFor(() => expect(last(states)).toBe('ended'), { timeout: 2000 });
    expect(tickets).toBe(1);
    conn.dispose();
  });

  for (const [code, title] of [
    [DisplayClose.AccountDisabled, 'Your account was disabled'],
    [DisplayClose.AccessRevoked, 'You no longer have access to this desktop'],
  ] as const) {
    it(`ends with "${title}" and never reconnects when the gateway closes the display for that reason (${code})`, async () => {
      const { conn, states } = connect();
      await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(1));
      const rfb = FakeRfb.made[0]!;
      rfb.open();
      rfb.socket.closeWith(code);
      rfb.drop();
      expect(states.at(-1)).toMatchObject({ kind: 'ended', title });
      await new Promise((r) => setTimeout(r, 1200)); // longer than the first backoff step
      expect(FakeRfb.made).toHaveLength(1);
      expect(tickets).toBe(1);
      conn.dispose();
    });
  }

  it('still reconnects after other close codes (a desktop that went away for a moment)', async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    FakeRfb.made[0]!.open();
    FakeRfb.made[0]!.socket.closeWith(DisplayClose.DesktopUnreachable);
    FakeRfb.made[0]!.drop();
    expect(last(states)).toBe('reconnecting');
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(2), { timeout: 2000 });
    conn.dispose();
  });

  it('says the session is unknown, without retrying, when the gateway answers 404', async () => {
    const states: ViewerState[] = [];
    const conn = new ViewerConnection({
      sessionId: 'someone-elses',
      target: {} as HTMLElement,
      onState: (s) => states.push(s),
      onClipboard: () => {},
      onNotReady: () => {},
      loadRfb: async () => FakeRfb as unknown as typeof RFB,
    });
    conn.start();
    await vi.waitFor(() => expect(last(states)).toBe('notFound'));
    await new Promise((r) => setTimeout(r, 600));
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'notFound']);
    expect(tickets).toBe(0);
    conn.dispose();
  });

  it('stops with the refusal, without retrying, when a passthrough machine needs a directory sign-in', async () => {
    const states: ViewerState[] = [];
    const conn = new ViewerConnection({
      sessionId: 'pass',
      target: {} as HTMLElement,
      onState: (s) => states.push(s),
      onClipboard: () => {},
      onNotReady: () => {},
      loadRfb: async () => FakeRfb as unknown as typeof RFB,
    });
    conn.start();
    await vi.waitFor(() => expect(last(states)).toBe('failed'));
    await new Promise((r) => setTimeout(r, 600));
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'failed']);
    expect(states[1]).toMatchObject({ message: 'Sign in with your directory account.' });
    expect(tickets).toBe(1);
    conn.dispose();
  });

  it("treats the person's own disconnect as final until they reconnect", async () => {
    const { conn, states } = connect();
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    FakeRfb.made[0]!.open();
    conn.disconnect();
    await vi.waitFor(() => expect(last(states)).toBe('closed'));
    await new Promise((r) => setTimeout(r, 600));
    expect(FakeRfb.made).toHaveLength(1);
    conn.reconnectNow();
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(2));
    conn.dispose();
  });

  it('hands a still-starting session back to the launch page', async () => {
    sessionState = 'starting';
    const { notReady } = connect();
    await vi.waitFor(() => expect(notReady).toHaveBeenCalledTimes(1));
    expect(FakeRfb.made).toHaveLength(0);
  });
});
