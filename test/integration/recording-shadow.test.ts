// Recording policy `shadow` with the real recorder and a real Xvnc: nothing is recorded until a
// helpdesk shadow is approved, the recording stops when the last approved shadow ends, and a session
// that ends stops its recording; one recorder per session however many events arrive.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completePolicy, type SessionPolicy } from '../../contract/api/policy.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/types.ts';
import {
  recordedSession as session,
  recordingServiceFor,
  shadowEvent as shadow,
  stateEvent as state,
} from '../helpers/recording-service.ts';
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

const setup = (policy: SessionPolicy, unreachableFirst = 0) =>
  recordingServiceFor({ port: xvnc.port, secret: PASSWORD, dir, store: base, policy, unreachableFirst });
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
