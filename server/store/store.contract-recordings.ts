// Store contract, recordings: the catalogue round-trips, patches, filters newest first, finds what
// retention must delete and what a crash left `recording`, and sums the bytes for the quota.
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './store.contract.ts';
import { T0 } from './store.fixtures.ts';
import type { Recording } from './recording-types.ts';

const rec = (o: Partial<Recording> = {}): Recording => ({
  id: 'r1',
  sessionId: 's1',
  userId: 'u1',
  poolId: 'p1',
  machineId: null,
  hostId: 'h1',
  kind: 'rfb',
  trigger: 'on',
  state: 'recording',
  startedAt: T0,
  endedAt: null,
  durationMs: null,
  bytes: 0,
  parts: [],
  retentionDays: 30,
  expiresAt: null,
  error: null,
  ...o,
});

export function recordingsContract(store: CurrentStore): void {
  describe('recordings', () => {
    it('round-trips and patches a recording', async () => {
      expect(await store().createRecording(rec())).toEqual(rec());
      const done = await store().updateRecording('r1', {
        state: 'finished',
        endedAt: T0 + 5000,
        durationMs: 4900,
        bytes: 123,
        parts: [{ bytes: 123, sha256: 'ab'.repeat(32) }],
        expiresAt: T0 + 86_400_000,
      });
      expect(done).toEqual(
        rec({
          state: 'finished',
          endedAt: T0 + 5000,
          durationMs: 4900,
          bytes: 123,
          parts: [{ bytes: 123, sha256: 'ab'.repeat(32) }],
          expiresAt: T0 + 86_400_000,
        }),
      );
      expect(await store().getRecording('r1')).toEqual(done);
      expect(await store().updateRecording('nope', { bytes: 1 })).toBeNull();
      expect(await store().getRecording('nope')).toBeNull();
    });

    it('lists newest first with filters, a date range and a capped limit', async () => {
      await store().createRecording(rec({ id: 'a', startedAt: T0, userId: 'u1', poolId: 'p1', bytes: 10 }));
      await store().createRecording(rec({ id: 'b', startedAt: T0 + 1000, userId: 'u2', poolId: 'p1', bytes: 20 }));
      await store().createRecording(
        rec({ id: 'c', startedAt: T0 + 2000, userId: 'u1', poolId: null, machineId: 'm1', hostId: 'h2', kind: 'guac', bytes: 30 }),
      );
      const ids = async (f: Parameters<ReturnType<CurrentStore>['listRecordings']>[0]) =>
        (await store().listRecordings(f)).map((r) => r.id);
      expect(await ids({ limit: 50 })).toEqual(['c', 'b', 'a']);
      expect(await ids({ limit: 50, userId: 'u1' })).toEqual(['c', 'a']);
      expect(await ids({ limit: 50, poolId: 'p1' })).toEqual(['b', 'a']);
      expect(await ids({ limit: 50, machineId: 'm1' })).toEqual(['c']);
      expect(await ids({ limit: 50, hostId: 'h1' })).toEqual(['b', 'a']);
      expect(await ids({ limit: 50, from: T0 + 1000, to: T0 + 2000 })).toEqual(['b']);
      expect(await ids({ limit: 1 })).toEqual(['c']);
      expect(await ids({ limit: 50, before: T0 + 2000 })).toEqual(['b', 'a']);
      expect(await store().sumRecordingBytes()).toBe(60);
      expect(await store().deleteRecording('b')).toBe(true);
      expect(await store().deleteRecording('b')).toBe(false);
      expect(await store().sumRecordingBytes()).toBe(40);
    });

    it('finds expired recordings oldest first, and those a crash left recording', async () => {
      await store().createRecording(rec({ id: 'live' }));
      await store().createRecording(rec({ id: 'old', state: 'finished', expiresAt: T0 + 10 }));
      await store().createRecording(rec({ id: 'older', state: 'failed', expiresAt: T0 + 5 }));
      await store().createRecording(rec({ id: 'young', state: 'finished', expiresAt: T0 + 1000 }));
      expect((await store().listExpiredRecordings(T0 + 10, 10)).map((r) => r.id)).toEqual(['older', 'old']);
      expect((await store().listExpiredRecordings(T0 + 10, 1)).map((r) => r.id)).toEqual(['older']);
      expect((await store().listRecordingsInProgress()).map((r) => r.id)).toEqual(['live']);
    });
  });
}
