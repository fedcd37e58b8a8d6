import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../../contract/api/policy.ts';
import type { AdminMachine } from '../api/machines.ts';
import {
  createBody,
  draftFromMachine,
  patchBody,
  secretsFor,
  sshAccessDraft,
  withPort,
  withProtocol,
  type MachineDraft,
} from './machineForm.ts';

const rdp: AdminMachine = {
  id: 'm-1',
  name: 'Finance PC',
  description: 'Windows 11',
  protocol: 'rdp',
  address: 'fin-pc.corp.example',
  port: 3389,
  hostId: 'h-1',
  hostLabel: null,
  security: 'nla',
  ignoreCert: true,
  domain: 'CORP',
  credentialMode: 'shared',
  username: 'svc-deskport',
  passwordSet: true,
  privateKeySet: false,
  groups: ['g-1'],
  policy: DEFAULT_SESSION_POLICY,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};
const ssh: AdminMachine = {
  ...rdp,
  id: 'm-2',
  protocol: 'ssh',
  port: 22,
  security: 'any',
  ignoreCert: false,
  domain: '',
  privateKeySet: true,
};
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

/** A new machine with what every machine needs filled in. */
function filled(over: Partial<MachineDraft> = {}): MachineDraft {
  return { ...draftFromMachine(), name: 'Build box', address: '10.0.0.5', hostId: 'h-1', ...over };
}

describe('machine form: default ports', () => {
  it('starts on RDP at 3389 and follows the protocol while the admin has not typed a port', () => {
    let d = draftFromMachine();
    expect([d.protocol, d.port]).toEqual(['rdp', '3389']);
    d = withProtocol(d, 'ssh');
    expect(d.port).toBe('22');
    d = withProtocol(d, 'vnc');
    expect(d.port).toBe('5900');
  });

  it('keeps a port the admin typed, and follows again once the field is emptied', () => {
    let d = withPort(draftFromMachine(), '13389');
    expect(withProtocol(d, 'ssh').port).toBe('13389');
    d = withPort(d, '');
    expect(withProtocol(d, 'ssh').port).toBe('22');
  });

  it('treats a stored non-default port as typed by the admin', () => {
    expect(withProtocol(draftFromMachine({ ...rdp, port: 3390 }), 'vnc').port).toBe('3390');
    expect(withProtocol(draftFromMachine(rdp), 'vnc').port).toBe('5900');
  });
});

describe('machine form: checks before submit', () => {
  it('names each field the gateway would refuse', () => {
    const r = createBody({ ...draftFromMachine(), address: 'rdp://x:3389', port: '70000' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(Object.keys(r.errors).sort()).toEqual(['address', 'hostId', 'name', 'port']);
      expect(r.errors.address).toMatch(/without scheme or port/);
    }
  });

  it('asks for a label when the machine is reached by hosts with a label', () => {
    const r = createBody(filled({ reach: 'label', hostLabel: ' ' }));
    expect(r).toEqual({ ok: false, errors: { hostLabel: 'enter a host label, e.g. site=berlin' } });
  });

  it('needs the shared account and its secret; VNC needs no username', () => {
    const r = createBody(filled({ credentialMode: 'shared' }));
    expect(!r.ok && Object.keys(r.errors).sort()).toEqual(['password', 'username']);
    const vnc = createBody(withProtocol(filled({ credentialMode: 'shared', password: { action: 'set', value: 'pw' } }), 'vnc'));
    expect(vnc.ok).toBe(true);
  });

  it('spots a public key pasted where the private key belongs', () => {
    const d = withProtocol(filled({ credentialMode: 'shared', username: 'deploy' }), 'ssh');
    const r = createBody({ ...d, privateKey: { action: 'set', value: 'ssh-ed25519 AAAAC3Nz… me@laptop' } });
    expect(!r.ok && r.errors.privateKey).toMatch(/public key/);
    expect(createBody({ ...d, privateKey: { action: 'set', value: KEY } }).ok).toBe(true);
  });
});

describe('machine form: create body', () => {
  it('sends RDP options only for RDP, and the host or the label, the other as null', () => {
    const r = createBody(filled({ security: 'tls', domain: ' CORP ', description: ' Win ' }));
    expect(r).toEqual({
      ok: true,
      body: {
        name: 'Build box',
        description: 'Win',
        protocol: 'rdp',
        address: '10.0.0.5',
        port: 3389,
        hostId: 'h-1',
        hostLabel: null,
        security: 'tls',
        ignoreCert: false,
        domain: 'CORP',
        credentialMode: 'per_user',
        groups: [],
        policy: DEFAULT_SESSION_POLICY,
      },
    });
    const s = createBody(withProtocol(filled({ reach: 'label', hostLabel: 'site=berlin', credentialMode: 'none' }), 'ssh'));
    expect(s.ok && s.body).toMatchObject({ protocol: 'ssh', port: 22, hostId: null, hostLabel: 'site=berlin' });
    expect(s.ok && Object.keys(s.body)).not.toContain('security');
  });

  it('sends the shared secrets the admin set, and no key for RDP', () => {
    const d = filled({
      credentialMode: 'shared',
      username: 'svc',
      password: { action: 'set', value: 'pw' },
      privateKey: { action: 'set', value: KEY },
    });
    const r = createBody(d);
    expect(r.ok && r.body).toMatchObject({ username: 'svc', password: 'pw' });
    expect(r.ok && 'privateKey' in r.body).toBe(false);
    expect(secretsFor('ssh', 'shared')).toEqual(['password', 'privateKey']);
    expect(secretsFor('ssh', 'per_user')).toEqual([]);
  });
});

describe('machine form: patch body', () => {
  it('opens a machine and sends nothing when nothing changed (stored secrets are kept)', () => {
    expect(patchBody(draftFromMachine(rdp), rdp)).toEqual({ ok: true, body: {} });
    expect(patchBody(draftFromMachine(ssh), ssh)).toEqual({ ok: true, body: {} });
  });

  it('sends only changed fields, a new secret as a string and a cleared one as null', () => {
    const d = { ...draftFromMachine(ssh), name: 'Build', groups: [], password: { action: 'set', value: 'new' } as const };
    expect(patchBody({ ...d, privateKey: { action: 'clear' } }, ssh)).toEqual({
      ok: true,
      body: { name: 'Build', groups: [], password: 'new', privateKey: null },
    });
  });

  it('will not clear the last secret of a shared account', () => {
    const r = patchBody({ ...draftFromMachine(rdp), password: { action: 'clear' } }, rdp);
    expect(r).toEqual({ ok: false, errors: { password: 'enter a password for the shared account' } });
  });

  it('asks for the secret again when the address or port changes, since the gateway drops it then', () => {
    const moved = { ...draftFromMachine(rdp), address: 'fin-pc2.corp.example' };
    const r = patchBody(moved, rdp);
    expect(!r.ok && r.errors.password).toMatch(/again/);
    expect(patchBody({ ...moved, password: { action: 'set', value: 'pw' } }, rdp)).toEqual({
      ok: true,
      body: { address: 'fin-pc2.corp.example', password: 'pw' },
    });
    // A protocol change on the same port moves it too.
    const vnc = { ...withProtocol(withPort(draftFromMachine(rdp), '3389'), 'vnc') };
    expect(!patchBody(vnc, rdp).ok).toBe(true);
  });

  it('clears stored secrets that the new mode or protocol no longer uses', () => {
    expect(patchBody({ ...draftFromMachine(ssh), credentialMode: 'per_user' }, ssh)).toEqual({
      ok: true,
      body: { credentialMode: 'per_user', password: null, privateKey: null },
    });
    const toRdp = withProtocol({ ...draftFromMachine(ssh), password: { action: 'keep' } }, 'rdp');
    const r = patchBody(toRdp, ssh);
    // Another protocol (and port): the gateway drops the password, so it must be entered again.
    expect(!r.ok && r.errors.password).toMatch(/again/);
    const ok = patchBody({ ...toRdp, password: { action: 'set', value: 'pw' } }, ssh);
    expect(ok).toEqual({ ok: true, body: { protocol: 'rdp', port: 3389, password: 'pw', privateKey: null } });
  });
});

describe('machine form: SSH access to a host', () => {
  it('prefills an SSH machine on the host loopback, reached by that host, that the gateway accepts as it is', () => {
    const r = createBody(sshAccessDraft({ id: 'h-7', name: 'berlin-1' }));
    expect(r).toEqual({
      ok: true,
      body: expect.objectContaining({
        name: 'berlin-1 (SSH)',
        protocol: 'ssh',
        address: '127.0.0.1',
        port: 22,
        hostId: 'h-7',
        hostLabel: null,
        credentialMode: 'per_user',
      }),
    });
  });
});
