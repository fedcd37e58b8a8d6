import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../../contract/api/policy.ts';
import type { AdminPool } from '../api/adminPools.ts';
import { changedFields, draftFromPool, inputFromDraft } from './poolForm.ts';

const pool: AdminPool = {
  id: 'p-1',
  name: 'Ubuntu',
  description: '',
  driver: 'docker',
  protocol: 'vnc',
  image: 'deskport/ubuntu:24.04',
  cpu: 2,
  memoryMb: 4096,
  minWarm: 1,
  maxDesktops: 20,
  maxPerUser: 1,
  idleTimeoutS: 3600,
  graceS: 600,
  maxLifetimeS: 43200,
  persistence: 'pooled',
  placement: 'breadth',
  network: 'none',
  groups: ['g-1'],
  policy: DEFAULT_SESSION_POLICY,
  shadowWithoutConsent: false,
  createdAt: 0,
};

describe('pool form', () => {
  it('opens a pool in friendly units and sends it back unchanged', () => {
    const draft = draftFromPool(pool);
    expect(draft.idleTimeoutS).toEqual({ value: '1', unit: 'h' });
    expect(draft.graceS).toEqual({ value: '10', unit: 'min' });
    const result = inputFromDraft(draft);
    expect(result.ok && changedFields(pool, result.input)).toEqual({});
  });

  it('sends timeouts entered in minutes or hours as seconds, and only what changed', () => {
    const draft = {
      ...draftFromPool(pool),
      idleTimeoutS: { value: '30', unit: 'min' as const },
      maxLifetimeS: { value: '1.5', unit: 'h' as const },
    };
    const result = inputFromDraft(draft);
    expect(result.ok && changedFields(pool, result.input)).toEqual({ idleTimeoutS: 1800, maxLifetimeS: 5400 });
  });

  it('starts a new pool from the gateway defaults, with empty optional fields as null', () => {
    const result = inputFromDraft({ ...draftFromPool(), name: ' Kali ' });
    expect(result).toMatchObject({
      ok: true,
      input: { name: 'Kali', image: null, cpu: null, memoryMb: null, maxDesktops: 50, graceS: 600, groups: [] },
    });
  });

  it('drops the image for drivers that do not use one', () => {
    const result = inputFromDraft({ ...draftFromPool(pool), driver: 'static' });
    expect(result.ok && result.input.image).toBeNull();
  });

  it('keeps a restricted network only for qemu pools, and sends a switch away from qemu with network none', () => {
    const vm: AdminPool = { ...pool, driver: 'qemu', image: 'vm', network: 'restricted' };
    const kept = inputFromDraft(draftFromPool(vm));
    expect(kept.ok && kept.input.network).toBe('restricted');
    const moved = inputFromDraft({ ...draftFromPool(vm), driver: 'docker' });
    expect(moved.ok && changedFields(vm, moved.input)).toMatchObject({ driver: 'docker', network: 'none' });
  });

  it('names each field that is not a number instead of sending it', () => {
    const result = inputFromDraft({ ...draftFromPool(pool), maxPerUser: 'two', cpu: 'lots', idleTimeoutS: { value: 'soon', unit: 'min' } });
    expect(result).toEqual({
      ok: false,
      errors: {
        maxPerUser: 'must be a whole number',
        cpu: 'must be a number such as 2 or 0.5, or empty',
        idleTimeoutS: 'must be a number (0 or more)',
      },
    });
  });
});

describe('pool form: helpdesk consent', () => {
  it('carries shadowWithoutConsent and reports it as a change', () => {
    const draft = { ...draftFromPool(pool), shadowWithoutConsent: true };
    const result = inputFromDraft(draft);
    expect(result.ok && result.input.shadowWithoutConsent).toBe(true);
    if (result.ok) expect(changedFields(pool, result.input)).toEqual({ shadowWithoutConsent: true });
  });
});

describe('pool form limits', () => {
  it('checks the contract ranges the gateway checks', () => {
    const r = inputFromDraft({ ...draftFromPool(pool), maxPerUser: '101', memoryMb: '10' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(['maxPerUser', 'memoryMb']);
    expect(inputFromDraft(draftFromPool()).ok).toBe(false); // a new pool needs a name
  });
});

describe('pool form: session policy', () => {
  it('sends the policy back unchanged, and only the policy when only it changed', () => {
    const same = inputFromDraft(draftFromPool(pool));
    expect(same.ok && same.input.policy).toEqual(DEFAULT_SESSION_POLICY);
    const draft = draftFromPool(pool);
    const edited = inputFromDraft({ ...draft, policy: { ...draft.policy, recording: 'on', fileMaxMb: '5' } });
    expect(edited.ok).toBe(true);
    if (edited.ok)
      expect(changedFields(pool, edited.input)).toEqual({ policy: { ...DEFAULT_SESSION_POLICY, recording: 'on', fileMaxMb: 5 } });
  });

  it('puts an out-of-range number under its own policy field', () => {
    const draft = draftFromPool(pool);
    const r = inputFromDraft({ ...draft, policy: { ...draft.policy, fileMaxMb: '0', clipboardMaxKb: 'lots' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors['policy.fileMaxMb']).toMatch(/from 1 to/);
      expect(r.errors['policy.clipboardMaxKb']).toMatch(/whole number/);
    }
  });
});
