import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../contract/api/policy.ts';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { aMachine } from '../store/store.contract-machines.ts';
import { aPool } from '../store/store.fixtures.ts';
import type { Store } from '../store/types.ts';
import { ORPHAN_POLICY, policyOf } from './policy.ts';

let store: Store;
beforeEach(() => {
  store = openSqliteStore({ file: ':memory:', clock: new ManualClock() });
});
afterEach(() => store.close());

describe('a session runs under its pool’s or its machine’s policy', () => {
  it('reads the pool’s policy as stored now', async () => {
    const pool = await store.createPool(aPool({ policy: { ...DEFAULT_SESSION_POLICY, recording: 'shadow', fileUpload: false } }));
    expect(await policyOf(store, { poolId: pool.id, machineId: null })).toMatchObject({ recording: 'shadow', fileUpload: false });
    await store.updatePool(pool.id, { policy: { ...DEFAULT_SESSION_POLICY, audio: false } });
    expect(await policyOf(store, { poolId: pool.id, machineId: null })).toEqual({ ...DEFAULT_SESSION_POLICY, audio: false });
  });

  it('reads the machine’s policy for a machine session', async () => {
    const m = await store.createMachine(aMachine({ policy: { ...DEFAULT_SESSION_POLICY, clipboard: 'none' } }));
    expect((await policyOf(store, { poolId: null, machineId: m.id })).clipboard).toBe('none');
  });

  it('allows nothing beyond the screen when the pool is gone', async () => {
    expect(await policyOf(store, { poolId: 'gone', machineId: null })).toEqual(ORPHAN_POLICY);
    expect(ORPHAN_POLICY).toMatchObject({ fileUpload: false, fileDownload: false, clipboard: 'none', audio: false });
  });
});
