// Store contract, existing machines: CRUD with sealed secrets kept verbatim, unique names, exactly
// one of hostId/hostLabel, per-person credentials (upsert, gone with their machine or user), machine
// sessions (on a machine, not a pool; found live per person), group deletion, and key rotation's
// all-or-nothing rewrite of every sealed value.
import { DEFAULT_SESSION_POLICY } from '../../contract/api/policy.ts';
import { describe, expect, it } from 'vitest';
import { isStoreConflict } from './errors.ts';
import type { Machine } from './machine-types.ts';
import type { CurrentStore } from './store.contract.ts';
import { aSession, aUser, T0, uid } from './store.fixtures.ts';

export const aMachine = (o: Partial<Machine> = {}): Machine => ({
  id: uid('m'),
  name: uid('Machine'),
  description: '',
  protocol: 'rdp',
  address: '10.0.0.5',
  port: 3389,
  hostId: 'h-1',
  hostLabel: null,
  security: 'any',
  ignoreCert: false,
  domain: '',
  credentialMode: 'shared',
  username: 'svc',
  passwordSealed: 'v1:0000000000000000:sealed-password',
  privateKeySealed: null,
  groups: [],
  policy: DEFAULT_SESSION_POLICY,
  createdAt: T0,
  updatedAt: T0,
  ...o,
});

export function machinesContract(current: CurrentStore): void {
  describe('machines', () => {
    it('creates, reads, lists by name, updates and deletes machines', async () => {
      const s = current();
      const b = await s.createMachine(aMachine({ name: 'Beta', hostId: null, hostLabel: 'zone=dmz', ignoreCert: true, groups: ['g1'] }));
      const a = await s.createMachine(aMachine({ name: 'alpha', protocol: 'ssh', port: 22, privateKeySealed: 'v1:0000000000000000:k' }));
      expect(await s.getMachine(b.id)).toEqual(b);
      expect((await s.listMachines()).map((m) => m.name)).toEqual(['alpha', 'Beta']);
      const u = await s.updateMachine(a.id, { passwordSealed: null, updatedAt: T0 + 1 });
      expect(u).toEqual({ ...a, passwordSealed: null, updatedAt: T0 + 1 });
      expect(await s.updateMachine('nope', { name: 'x' })).toBeNull();
      expect(await s.deleteMachine(a.id)).toBe(true);
      expect(await s.deleteMachine(a.id)).toBe(false);
      expect(await s.getMachine(a.id)).toBeNull();
    });

    it('refuses a second machine with the same name in any case, and one with both or neither of hostId and hostLabel', async () => {
      const s = current();
      await s.createMachine(aMachine({ name: 'Server' }));
      const dup = await s.createMachine(aMachine({ name: 'SERVER' })).catch((e: unknown) => e);
      expect(isStoreConflict(dup, 'duplicate')).toBe(true);
      await expect(s.createMachine(aMachine({ hostId: 'h', hostLabel: 'l' }))).rejects.toThrow();
      await expect(s.createMachine(aMachine({ hostId: null, hostLabel: null }))).rejects.toThrow();
    });

    it('keeps each person’s credentials per machine, replaces them on save, and drops them with the machine or the person', async () => {
      const s = current();
      const [ann, bob] = [await s.createUser(aUser()), await s.createUser(aUser())];
      const [m1, m2] = [await s.createMachine(aMachine()), await s.createMachine(aMachine())];
      const c = { machineId: m1.id, userId: ann.id, username: 'ann', passwordSealed: 'p1', privateKeySealed: null, updatedAt: T0 };
      await s.putMachineCredential(c);
      await s.putMachineCredential({ ...c, machineId: m2.id });
      await s.putMachineCredential({ ...c, userId: bob.id, username: 'bob' });
      await s.putMachineCredential({ ...c, username: 'ann2', passwordSealed: null, privateKeySealed: 'k', updatedAt: T0 + 5 });
      expect(await s.getMachineCredential(m1.id, ann.id)).toEqual({
        ...c,
        username: 'ann2',
        passwordSealed: null,
        privateKeySealed: 'k',
        updatedAt: T0 + 5,
      });
      expect((await s.listCredentialMachineIds(ann.id)).sort()).toEqual([m1.id, m2.id].sort());
      expect(await s.deleteMachineCredential(m2.id, ann.id)).toBe(true);
      expect(await s.deleteMachineCredential(m2.id, ann.id)).toBe(false);
      expect(await s.deleteCredentialsOfMachine(m1.id)).toBe(2);
      await s.putMachineCredential(c);
      await s.deleteUser(ann.id);
      expect(await s.getMachineCredential(m1.id, ann.id)).toBeNull();
      await s.putMachineCredential({ ...c, userId: bob.id });
      await s.deleteMachine(m1.id);
      expect(await s.listCredentialMachineIds(bob.id)).toEqual([]);
      await expect(s.putMachineCredential({ ...c, machineId: 'no-such-machine', userId: bob.id })).rejects.toThrow();
    });

    it('stores sessions on a machine and finds the person’s live one there', async () => {
      const s = current();
      const ann = await s.createUser(aUser());
      const m = await s.createMachine(aMachine({ protocol: 'ssh' }));
      const ended = await s.createSession(aSession(ann.id, '', { poolId: null, machineId: m.id, protocol: 'ssh', state: 'ended' }));
      expect(await s.findLiveMachineSession(ann.id, m.id)).toBeNull();
      const live = await s.createSession(aSession(ann.id, '', { poolId: null, machineId: m.id, protocol: 'ssh', state: 'ready' }));
      expect(live).toMatchObject({ poolId: null, machineId: m.id, protocol: 'ssh' });
      expect(await s.findLiveMachineSession(ann.id, m.id)).toEqual(live);
      expect((await s.listSessions({ machineId: m.id })).map((x) => x.id).sort()).toEqual([ended.id, live.id].sort());
      expect(await s.countLiveSessions({ machineId: m.id })).toBe(1);
      const pool = await s.createSession(aSession(ann.id, 'p-1', { state: 'ready' }));
      expect(pool).toMatchObject({ poolId: 'p-1', machineId: null, protocol: 'vnc' });
      expect(await s.countLiveSessions({ userId: ann.id })).toBe(2);
      expect(await s.countLiveSessions({ userId: ann.id, kind: 'pool' })).toBe(1);
      expect(await s.countLiveSessions({ userId: ann.id, kind: 'machine' })).toBe(1);
    });

    it('due machine sessions follow the machine session limits (idle an hour, grace 10 minutes, 12 hours at most)', async () => {
      const s = current();
      const ann = await s.createUser(aUser());
      const on = (o: Parameters<typeof aSession>[2]) => s.createSession(aSession(ann.id, '', { poolId: null, machineId: 'm-x', ...o }));
      const now = T0 + 13 * 3600_000;
      const fresh = { state: 'ready' as const, createdAt: now - 60_000, lastActivityAt: now - 60_000, detachedAt: null };
      await on(fresh);
      const idle = await on({ ...fresh, lastActivityAt: now - 3601_000 });
      const detached = await on({ ...fresh, detachedAt: now - 601_000 });
      const old = await on({ ...fresh, createdAt: now - 12 * 3600_000 - 1000 });
      await on({ ...fresh, detachedAt: now - 599_000 });
      expect((await s.listDueSessions(now, 180_000)).map((x) => x.id).sort()).toEqual([idle.id, detached.id, old.id].sort());
    });

    it('takes a deleted group out of machines, and refuses to delete the only group entitled to one', async () => {
      const s = current();
      const [g1, g2] = [
        { id: uid('g'), name: uid('G'), description: '' },
        { id: uid('g'), name: uid('G'), description: '' },
      ];
      await s.createGroup(g1);
      await s.createGroup(g2);
      const both = await s.createMachine(aMachine({ groups: [g1.id, g2.id] }));
      const only = await s.createMachine(aMachine({ groups: [g2.id] }));
      await s.deleteGroup(g1.id);
      expect((await s.getMachine(both.id))?.groups).toEqual([g2.id]);
      const refused = await s.deleteGroup(g2.id).catch((e: unknown) => e);
      expect(isStoreConflict(refused, 'in_use')).toBe(true);
      expect((refused as Error).message).toContain(only.name);
    });

    it('rewrites every sealed value with its record’s associated data, all or nothing', async () => {
      const s = current();
      const ann = await s.createUser(aUser());
      const m = await s.createMachine(aMachine({ passwordSealed: 'P', privateKeySealed: 'K', protocol: 'ssh' }));
      const bare = await s.createMachine(aMachine({ passwordSealed: null }));
      await s.putMachineCredential({
        machineId: m.id,
        userId: ann.id,
        username: 'a',
        passwordSealed: 'CP',
        privateKeySealed: null,
        updatedAt: T0,
      });
      const seen: string[] = [];
      const n = await s.rewriteSecrets((v, aad) => {
        seen.push(`${v}@${aad}`);
        return `new-${v}`;
      });
      expect(n).toBe(3);
      expect(seen.sort()).toEqual(
        [`P@machine:${m.id}:password`, `K@machine:${m.id}:privateKey`, `CP@credential:${m.id}:${ann.id}:password`].sort(),
      );
      expect(await s.getMachine(m.id)).toMatchObject({ passwordSealed: 'new-P', privateKeySealed: 'new-K' });
      expect((await s.getMachine(bare.id))?.passwordSealed).toBeNull();
      await expect(
        s.rewriteSecrets((v) => {
          if (v === 'new-CP') throw new Error('cannot open');
          return `again-${v}`;
        }),
      ).rejects.toThrow('cannot open');
      expect(await s.getMachine(m.id)).toMatchObject({ passwordSealed: 'new-P', privateKeySealed: 'new-K' });
      expect((await s.getMachineCredential(m.id, ann.id))?.passwordSealed).toBe('new-CP');
    });
  });
}
