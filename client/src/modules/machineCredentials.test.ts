import { describe, expect, it } from 'vitest';
import { credentialsBody, EMPTY_CREDENTIALS } from './machineCredentials.ts';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';

describe('my credentials for a machine', () => {
  it('sends the username and password, the password exactly as typed', () => {
    expect(credentialsBody('rdp', { ...EMPTY_CREDENTIALS, username: ' ada ', password: ' pw ' })).toEqual({
      ok: true,
      body: { username: 'ada', password: ' pw ' },
    });
  });

  it('needs a username and a password', () => {
    expect(credentialsBody('vnc', EMPTY_CREDENTIALS)).toEqual({
      ok: false,
      errors: { username: 'enter your username on this machine', password: 'enter your password' },
    });
  });

  it('sends a private key instead of a password for SSH when chosen, and spots a public key', () => {
    const d = { ...EMPTY_CREDENTIALS, username: 'ada', useKey: true, password: 'ignored' };
    expect(credentialsBody('ssh', { ...d, privateKey: KEY })).toEqual({ ok: true, body: { username: 'ada', privateKey: `${KEY}\n` } });
    const r = credentialsBody('ssh', { ...d, privateKey: 'ssh-ed25519 AAAA me@laptop' });
    expect(!r.ok && r.errors.privateKey).toMatch(/public key/);
  });

  it('ignores the key choice for protocols without keys', () => {
    const r = credentialsBody('rdp', { ...EMPTY_CREDENTIALS, username: 'ada', useKey: true, password: 'pw' });
    expect(r).toEqual({ ok: true, body: { username: 'ada', password: 'pw' } });
  });

  it('checks the contract limits', () => {
    const r = credentialsBody('rdp', { ...EMPTY_CREDENTIALS, username: 'a'.repeat(257), password: 'pw' });
    expect(!r.ok && Object.keys(r.errors)).toEqual(['username']);
  });
});
