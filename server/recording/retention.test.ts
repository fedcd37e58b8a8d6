// Retention against a real SQLite store and real files: expired recordings lose their files and rows
// (audited), younger ones and live ones stay; an interrupted recording is hashed and closed as failed.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../audit.ts';
import { silentLogger } from '../log.ts';
import type { Recording } from '../store/recording-types.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { partPath } from './files.ts';
import { createRetention } from './retention.ts';
import { createRecordingStorage } from './storage.ts';

const T0 = 1_700_000_000_000;
let dir = '';
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rec-retention-'));
  store = openSqliteStore({ file: ':memory:' });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (o: Partial<Recording>): Recording => ({
  id: 'rec-000000000000000000',
  sessionId: 's1',
  userId: 'u1',
  poolId: 'p1',
  machineId: null,
  hostId: 'h1',
  kind: 'rfb',
  trigger: 'on',
  state: 'finished',
  startedAt: T0,
  endedAt: T0 + 1000,
  durationMs: 1000,
  bytes: 10,
  parts: [{ bytes: 10, sha256: null }],
  retentionDays: 1,
  expiresAt: T0 + 86_400_000,
  error: null,
  ...o,
});

function setup(now: number) {
  const storage = createRecordingStorage({ dir, quotaBytes: 25, minFreeBytes: 0, usedAtStart: 30, freeBytes: () => 1e12 });
  const r = createRetention({ store, audit: createAudit(store, silentLogger()), log: silentLogger(), dir, storage, now: () => now });
  return { r, storage };
}

describe('recording retention', () => {
  it('deletes what is past expires_at with its files, audited, and gives the bytes back to the quota', async () => {
    const old = row({
      id: 'rec-00000000000000000a',
      parts: [
        { bytes: 10, sha256: null },
        { bytes: 10, sha256: null },
      ],
      bytes: 20,
    });
    const young = row({ id: 'rec-00000000000000000b', expiresAt: T0 + 3 * 86_400_000 });
    const live = row({ id: 'rec-00000000000000000c', state: 'recording', endedAt: null, expiresAt: null });
    for (const x of [old, young, live]) {
      await store.createRecording(x);
      for (let n = 0; n < x.parts.length; n++) writeFileSync(partPath(dir, x, n), 'x'.repeat(10));
    }
    const { r, storage } = setup(T0 + 2 * 86_400_000);
    expect(storage.canRecord()).toBe(false); // 30 bytes used of 25
    expect(await r.sweep()).toBe(1);
    expect(existsSync(partPath(dir, old, 0)) || existsSync(partPath(dir, old, 1))).toBe(false);
    expect(existsSync(partPath(dir, young, 0))).toBe(true);
    expect(existsSync(partPath(dir, live, 0))).toBe(true);
    expect(await store.getRecording(old.id)).toBeNull();
    expect((await store.listRecordings({ limit: 10 })).map((x) => x.id).sort()).toEqual([young.id, live.id]);
    expect(storage.canRecord()).toBe(true); // 10 bytes used
    const events = await store.listAudit({ limit: 10 });
    expect(events.find((e) => e.action === 'recording.deleted')).toMatchObject({
      target: old.id,
      actor: null,
      details: { reason: 'retention', bytes: 20 },
    });
    expect(await r.sweep()).toBe(0);
  });

  it('closes a recording a stopped gateway left open: its parts are hashed and it is marked failed', async () => {
    const open = row({ id: 'rec-00000000000000000d', state: 'recording', endedAt: null, expiresAt: null, parts: [], bytes: 0 });
    await store.createRecording(open);
    writeFileSync(partPath(dir, open, 0), 'part zero');
    writeFileSync(partPath(dir, open, 1), 'part one');
    const { r } = setup(T0 + 5000);
    expect(await r.recoverInterrupted()).toBe(1);
    const got = await store.getRecording(open.id);
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(got).toMatchObject({
      state: 'failed',
      bytes: 17,
      parts: [
        { bytes: 9, sha256: sha('part zero') },
        { bytes: 8, sha256: sha('part one') },
      ],
      expiresAt: T0 + 5000 + 86_400_000,
    });
    expect((await store.listAudit({ limit: 10 })).filter((e) => e.action === 'recording.finished')).toHaveLength(2);
  });

  it('never turns an id that is not a recording id into a path', () => {
    expect(() => partPath(dir, { id: '../../etc/passwd', kind: 'rfb' }, 0)).toThrow(/not a recording id/);
  });
});
