// Recording policy `shadow` with the real recorder and a real Xvnc: nothing is recorded until a
// helpdesk shadow is approved, the recording stops when the last approved shadow ends, and a session
// that ends stops its recording; one recorder per session however many events arrive.
import net from 'node:net';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completePolicy, type SessionPolicy } from '../../contract/api/policy.ts';
import type { SessionView, ShadowView } from '../../contract/api/desktops.ts';
import { createAudit } from '../../server/audit.ts';
import { SessionEvents } from '../../server/broker/session-events.ts';
import { silentLogger } from '../../server/log.ts';
import { createRecordingService } from '../../server/recording/service.ts';
import { createRecordingStorage } from '../../server/recording/storage.ts';
import { socketLink } from '../../server/relay/desktop-link.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Desktop, Session, Store } from '../../server/store/types.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';
import { until } from '../helpers/until.ts';

const PASSWORD = 'shadow-pw1';
let xvnc: XvncHandle;
let dir: string;
let base: Store;
beforeAll(async () => {
  xvnc = await startXvnc(PASSWORD, '640x480');
  dir = mkdtempSync(join(tmpdir(), 'rec-shadow-'));
  base = openSqliteStore({ file: ':memory:' });
});
afterAll(async () => {
  await base?.close();
  await xvnc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const session: Session = {
  id: 's-shadowed',
  poolId: 'p1',
  machineId: null,
  protocol: 'vnc',
  userId: 'u1',
  state: 'ready',
  desktopId: 'd1',
  hostId: 'h1',
  createdAt: 1,
  readyAt: 1,
  endedAt: null,
  lastActivityAt: 1,
  detachedAt: null,
  error: null,
};
const desktop = {
  id: 'd1',
  poolId: 'p1',
  hostId: 'h1',
  state: 'running',
  ownerId: 'u1',
  secret: PASSWORD,
  error: null,
  createdAt: 1,
  updatedAt: 1,
} as Desktop;

function setup(policy: SessionPolicy, unreachableFirst = 0) {
  const store: Store = { ...base, getSession: async () => session, getDesktop: async () => desktop };
  const events = new SessionEvents();
  const announced: boolean[] = [];
  let links = 0;
  const service = createRecordingService({
    store,
    audit: createAudit(base, silentLogger()),
    log: silentLogger(),
    now: Date.now,
    dir,
    storage: createRecordingStorage({ dir, quotaBytes: null, minFreeBytes: 0, usedAtStart: 0 }),
    policyOf: async () => policy,
    openDesktop: () =>
      new Promise((resolve, reject) => {
        links++;
        if (links <= unreachableFirst) return reject(new Error('the desktop host is not connected'));
        const s = net.connect(xvnc.port, '127.0.0.1');
        s.once('error', reject);
        s.once('connect', () => resolve(socketLink(s)));
      }),
    announce: (id) => announced.push(service.isActive(id)),
  });
  events.observe((id, e) => service.observe(id, e));
  return { service, events, announced, links: () => links };
}

const state = (st: Session['state']) => ({
  kind: 'state' as const,
  session: { id: session.id, protocol: 'vnc', state: st } as SessionView,
});
const shadow = (id: string, st: ShadowView['state']) => ({
  kind: 'shadow' as const,
  shadow: { id, sessionId: session.id, state: st } as ShadowView,
});
const rows = async () => base.listRecordings({ limit: 50, userId: 'u1' });

describe('recording policy shadow (real recorder, real Xvnc)', () => {
  it('records only while a shadow is approved, once per session', async () => {
    const { service, events, announced } = setup(completePolicy({ recording: 'shadow' }));
    events.emit(session.id, state('ready'));
    await new Promise((r) => setTimeout(r, 300)); // nothing to await: the absence of a recording is the point
    expect(service.isActive(session.id)).toBe(false);
    expect(await rows()).toHaveLength(0);

    events.emit(session.id, shadow('sh1', 'approved'));
    events.emit(session.id, shadow('sh2', 'approved'));
    await until('recording', () => service.isActive(session.id));
    await until('one row', async () => (await rows()).length === 1);
    expect(announced[0]).toBe(true);
    events.emit(session.id, shadow('sh1', 'ended'));
    await new Promise((r) => setTimeout(r, 200));
    expect(service.isActive(session.id)).toBe(true); // sh2 still watches
    events.emit(session.id, shadow('sh2', 'ended'));
    await until('stopped', async () => (await rows())[0]?.state === 'finished');
    expect(service.isActive(session.id)).toBe(false);
    const [rec] = await rows();
    expect(rec).toMatchObject({ trigger: 'shadow', kind: 'rfb', parts: [{ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    expect(readdirSync(dir)).toContain(`${rec!.id}-0.dprec`);
    expect(announced.at(-1)).toBe(false);
  }, 30_000);

  it('policy on: starts at ready, ignores repeated ready events, and stops when the session ends', async () => {
    const before = (await rows()).length;
    const { service, events, links } = setup(completePolicy({ recording: 'on' }));
    events.emit(session.id, state('ready'));
    events.emit(session.id, state('ready'));
    await until('recording', () => service.isActive(session.id));
    events.emit(session.id, state('ready'));
    await new Promise((r) => setTimeout(r, 200));
    expect((await rows()).length).toBe(before + 1);
    expect(links()).toBe(1);
    events.emit(session.id, state('ending'));
    await until('stopped', async () => (await rows())[0]?.state === 'finished');
    expect(service.activeCount()).toBe(0);
  }, 30_000);

  it('retries a desktop that is not reachable yet (an agent reconnecting after a gateway restart)', async () => {
    const { service, events, links } = setup(completePolicy({ recording: 'on' }), 2);
    events.emit(session.id, state('ready'));
    await until('a third dial', () => links() >= 3);
    const id = (await rows())[0]!.id;
    // Written only once the third connection got its picture: a segment and the full update.
    await until('the first picture on disk', () => statSync(join(dir, `${id}-0.dprec`)).size > 300);
    expect(service.isActive(session.id)).toBe(true);
    events.emit(session.id, state('ended'));
    await until('stopped', async () => (await rows())[0]?.state !== 'recording');
    expect((await rows())[0]).toMatchObject({ state: 'finished', error: null });
  }, 30_000);
});
