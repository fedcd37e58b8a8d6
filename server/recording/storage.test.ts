// The recordings budget: quota, free-space floor, write errors, and recovery when space comes back.
import { describe, expect, it } from 'vitest';
import { createRecordingStorage } from './storage.ts';

function setup(o: { quota?: number | null; free?: number; minFree?: number; used?: number } = {}) {
  let t = 1_000;
  let free = o.free ?? 10_000;
  const s = createRecordingStorage({
    dir: '/nowhere',
    quotaBytes: o.quota === undefined ? null : o.quota,
    minFreeBytes: o.minFree ?? 1_000,
    usedAtStart: o.used ?? 0,
    now: () => t,
    freeBytes: () => free,
    checkEveryMs: 100,
    writeErrorHoldMs: 500,
  });
  return { s, tick: (ms: number) => (t += ms), setFree: (n: number) => (free = n) };
}

describe('recording storage', () => {
  it('allows writes under the quota and stops at it, until recordings are deleted', () => {
    const { s } = setup({ quota: 1_000, used: 900 });
    expect(s.canRecord()).toBe(true);
    expect(s.add(50)).toBe(true);
    expect(s.add(50)).toBe(false);
    expect(s.status()).toMatchObject({ ok: false, problem: 'quota', usedBytes: 1_000, since: 1_000 });
    expect(s.status().message).toMatch(/quota.*DESKPORT_RECORDINGS_QUOTA_MB/);
    s.removed(500);
    expect(s.canRecord()).toBe(true);
    expect(s.status()).toMatchObject({ problem: null, since: null, usedBytes: 500 });
  });

  it('without a quota only the free-space floor counts, estimated between readings', () => {
    const { s, tick, setFree } = setup({ free: 1_500, minFree: 1_000 });
    expect(s.canRecord()).toBe(true);
    expect(s.add(400)).toBe(true); // 1 100 left by estimate
    expect(s.add(200)).toBe(false); // 900 < 1 000
    expect(s.status().problem).toBe('disk_full');
    setFree(5_000); // someone freed space; seen at the next reading
    expect(s.canRecord()).toBe(false);
    tick(100);
    expect(s.canRecord()).toBe(true);
  });

  it('a full disk reported by a write counts at once; other write errors block for a while', () => {
    const { s, tick } = setup({});
    s.writeFailed(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    expect(s.status().problem).toBe('disk_full');
    tick(100);
    expect(s.canRecord()).toBe(true); // the next reading shows space again
    s.writeFailed(Object.assign(new Error('io'), { code: 'EIO' }));
    expect(s.status()).toMatchObject({ ok: false, problem: 'write_error' });
    tick(499);
    expect(s.canRecord()).toBe(false);
    tick(1);
    expect(s.canRecord()).toBe(true);
  });

  it('a directory that cannot be read counts as full', () => {
    const s = createRecordingStorage({
      dir: '/nowhere',
      quotaBytes: null,
      minFreeBytes: 1,
      usedAtStart: 0,
      freeBytes: () => {
        throw new Error('ENOENT');
      },
    });
    expect(s.canRecord()).toBe(false);
  });
});
