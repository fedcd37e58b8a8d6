// The rules of machine edits that a schema cannot say, guacd's parameters per protocol, and which
// hosts may dial a machine (and why nobody can).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aMachine } from '../store/store.contract-machines.ts';
import { aHost } from '../store/store.fixtures.ts';
import { createVault } from '../vault.ts';
import { mergeMachine } from './machine-fields.ts';
import { carriesLabel, pickDialer, unavailableReason } from './machine-hosts.ts';
import { guacSettings } from './machines.ts';

const vault = createVault(randomBytes(32));

describe('machine edits', () => {
  const cur = aMachine({ id: 'm1', protocol: 'ssh', port: 22, passwordSealed: 'P', privateKeySealed: 'K' });

  it('seals a new secret for its own record, keeps one left out, clears one set to null', () => {
    const r = mergeMachine(cur, { password: 'new-pw', privateKey: null }, 'm1', 5, vault);
    expect(r.secrets).toEqual({ password: 'set', privateKey: 'cleared' });
    expect(vault.open(r.machine.passwordSealed!, 'machine:m1:password')).toBe('new-pw');
    expect(r.machine.privateKeySealed).toBeNull();
    expect(mergeMachine(cur, { name: 'x' }, 'm1', 5, vault).secrets).toEqual({ password: 'kept', privateKey: 'kept' });
  });

  it('drops stored secrets when the address, port or protocol changes, or the mode is no longer shared', () => {
    for (const b of [{ address: '10.9.9.9' }, { port: 2222 }, { protocol: 'rdp' as const }]) {
      const r = mergeMachine(cur, b, 'm1', 5, vault);
      expect(r.moved).toBe(true);
      expect([r.machine.passwordSealed, r.machine.privateKeySealed]).toEqual([null, null]);
    }
    const r = mergeMachine(cur, { credentialMode: 'per_user' }, 'm1', 5, vault);
    expect(r.secrets).toEqual({ password: 'dropped', privateKey: 'dropped' });
    expect(r.machine.username).toBe('');
  });

  it('resets RDP-only settings on other protocols, and switching hostId/hostLabel clears the other', () => {
    const rdp = aMachine({ id: 'm2', security: 'nla', ignoreCert: true, domain: 'CORP' });
    expect(mergeMachine(rdp, { protocol: 'vnc' }, 'm2', 5, vault).machine).toMatchObject({
      security: 'any',
      ignoreCert: false,
      domain: '',
    });
    expect(mergeMachine(rdp, { hostLabel: 'zone=a' }, 'm2', 5, vault).machine).toMatchObject({ hostId: null, hostLabel: 'zone=a' });
  });
});

describe('guacd parameters', () => {
  const login = { username: 'ann', password: 'pw', privateKey: 'KEY' };
  it('RDP: login, domain, security and certificate policy', () => {
    expect(guacSettings(aMachine({ security: 'tls', ignoreCert: true, domain: 'CORP' }), login)).toEqual({
      username: 'ann',
      password: 'pw',
      domain: 'CORP',
      security: 'tls',
      'ignore-cert': 'true',
    });
  });
  it('SSH: password and private key; VNC: the password only; none: nothing', () => {
    expect(guacSettings(aMachine({ protocol: 'ssh' }), login)).toEqual({ username: 'ann', password: 'pw', 'private-key': 'KEY' });
    expect(guacSettings(aMachine({ protocol: 'vnc' }), login)).toEqual({ password: 'pw' });
    expect(guacSettings(aMachine({ protocol: 'ssh' }), null)).toEqual({});
  });
});

describe('hosts that may dial a machine', () => {
  const a = aHost({ id: 'a', name: 'A', labels: { zone: 'dmz' } });
  const b = aHost({ id: 'b', name: 'B', labels: { zone: 'lan' }, state: 'cordoned' });
  const connected = () => true;

  it('matches a label by key=value or by key alone', () => {
    expect(carriesLabel(a, 'zone=dmz')).toBe(true);
    expect(carriesLabel(a, 'zone=lan')).toBe(false);
    expect(carriesLabel(a, 'zone')).toBe(true);
    expect(carriesLabel(a, 'gpu')).toBe(false);
  });

  it('picks only connected, online hosts, and says why none can', () => {
    const m = aMachine({ hostId: null, hostLabel: 'zone' });
    for (let i = 0; i < 10; i++) expect(pickDialer([a, b], m, connected)?.id).toBe('a');
    expect(pickDialer([a, b], m, (id) => id === 'b')).toBeNull();
    expect(unavailableReason(m, [a, b], (id) => id === 'b', null)).toMatch(/None of the hosts labelled “zone”/);
    expect(unavailableReason(aMachine({ hostId: 'b' }), [a, b], connected, null)).toBe(
      'The host “B” that reaches this machine is cordoned.',
    );
    expect(unavailableReason(aMachine({ hostId: 'gone' }), [a], connected, null)).toMatch(/was removed/);
    expect(unavailableReason(aMachine({ hostId: 'a' }), [a], connected, null)).toBeUndefined();
  });

  it('says RDP needs guacd when guacd is absent or down', () => {
    const problem = 'RDP and SSH need guacd: install it (README “guacd”).';
    expect(unavailableReason(aMachine({ hostId: 'a' }), [a], connected, { state: 'absent', mode: null, problem })).toBe(problem);
    expect(unavailableReason(aMachine({ hostId: 'a' }), [a], connected, { state: 'up', mode: 'external', problem: null })).toBeUndefined();
  });
});
