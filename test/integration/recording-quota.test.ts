// The recordings quota with the real recorder and a real Xvnc: a quota with 1 kB left (set on the
// storage budget directly: the configuration counts in MiB) is reached, the recording pauses (not
// `failed`, and the storage says `quota`, not a write error); deleting an older recording frees the
// budget and the recording resumes in part 1 at the next retry; the session ending finishes it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completePolicy } from '../../contract/api/policy.ts';
import { createRecordingStorage } from '../../server/recording/storage.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/types.ts';
import { recordingServiceFor, recordedSession, stateEvent } from '../helpers/recording-service.ts';
import { until } from '../helpers/until.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';

const PASSWORD = 'quota-pw1';
const OLDER = 1_000_000;
let xvnc: XvncHandle;
let dir: string;
let store: Store;
beforeAll(async () => {
  xvnc = await startXvnc(PASSWORD, '640x480');
  dir = mkdtempSync(join(tmpdir(), 'rec-quota-'));
  store = openSqliteStore({ file: ':memory:' });
});
afterAll(async () => {
  await store?.close();
  await xvnc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const audits = async (action: string) => store.listAudit({ action });

describe('a small recordings quota (real recorder, real Xvnc)', () => {
  it('pauses at the quota, and resumes in a new part once an older recording is deleted', async () => {
    // An older recording takes all of the quota but 1 kB.
    const storage = createRecordingStorage({ dir, quotaBytes: OLDER + 1_000, minFreeBytes: 0, usedAtStart: OLDER, checkEveryMs: 0 });
    const { service, events, announced } = recordingServiceFor({
      port: xvnc.port,
      secret: PASSWORD,
      dir,
      store,
      policy: completePolicy({ recording: 'on' }),
      storage,
      recorder: { keyframeMs: 300, partMaxBytes: 64 * 1024 * 1024, partMaxMs: 30 * 60_000 },
    });
    events.emit(recordedSession.id, stateEvent('ready'));
    await until('paused at the quota', async () => (await audits('recording.paused')).length === 1, 20_000);
    const [rec] = await store.listRecordings({ limit: 5, userId: 'u1' });
    expect(rec).toMatchObject({ state: 'recording', parts: [{ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    expect((await audits('recording.paused'))[0]!.details).toMatchObject({ problem: 'quota', parts: 1 });
    expect(storage.status()).toMatchObject({ ok: false, problem: 'quota' });
    expect(service.isActive(recordedSession.id)).toBe(false);
    expect(announced.at(-1)).toBe(false);

    service.retryWaiting(); // still full: nothing happens
    await new Promise((r) => setTimeout(r, 300));
    expect(service.isActive(recordedSession.id)).toBe(false);

    storage.removed(OLDER); // the older recording deleted (retention or an administrator)
    service.retryWaiting();
    await until('resumed', () => service.isActive(recordedSession.id));
    expect((await audits('recording.resumed'))[0]!.details).toMatchObject({ part: 1, problem: 'quota' });
    await until('part 1 on disk', () => readdirSync(dir).includes(`${rec!.id}-1.dprec`));

    events.emit(recordedSession.id, stateEvent('ended'));
    await until('finished', async () => (await store.getRecording(rec!.id))?.state === 'finished');
    const done = (await store.getRecording(rec!.id))!;
    expect(done.parts.length).toBeGreaterThanOrEqual(2);
    expect(done.error).toBeNull();
  }, 60_000);
});
