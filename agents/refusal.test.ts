import { describe, expect, it } from 'vitest';
import { CloseCode, RefusalCode } from '../contract/agent-v1.ts';
import { nothingToPresent, refusalOfClose, refusalOfUpgrade } from './refusal.ts';

const enrolling = { enrolling: true, credentialFile: '/state/agent-credential.json' };
const withCredential = { enrolling: false, credentialFile: '/state/agent-credential.json' };
const body = (code: string) => JSON.stringify({ error: { code, message: 'whatever the gateway says' } });

describe('refusals of the agent connection', () => {
  it('a used, expired or unknown enrollment token is final, each with its own cause and what to do', () => {
    const used = refusalOfUpgrade(401, body(RefusalCode.TokenUsed), enrolling);
    expect(used).toEqual({
      code: 'enrollment_token_used',
      message: 'the gateway refused the enrollment token (already used): get a new one from Admin → Hosts → Add a host',
    });
    expect(refusalOfUpgrade(401, body(RefusalCode.TokenExpired), enrolling)?.message).toMatch(
      /^the gateway refused the enrollment token \(expired.*Admin → Hosts → Add a host$/,
    );
    expect(refusalOfUpgrade(401, body(RefusalCode.TokenUnknown), enrolling)?.message).toMatch(
      /\(unknown to this gateway\): check --gateway/,
    );
  });

  it('a refused host credential says to delete the kept credential and enroll again', () => {
    const r = refusalOfUpgrade(401, body(RefusalCode.CredentialUnknown), withCredential);
    expect(r?.code).toBe('host_credential_unknown');
    expect(r?.message).toContain('delete /state/agent-credential.json and start the agent again with --enroll');
    expect(refusalOfUpgrade(401, body(RefusalCode.NoCredentials), enrolling)?.code).toBe('agent_credentials_missing');
  });

  it('a bare 401 or 403 (an older gateway, a proxy) is final too, named by what was presented', () => {
    expect(refusalOfUpgrade(401, '{"error":{"code":"unauthorized","message":"x"}}', enrolling)?.code).toBe('enrollment_token_refused');
    expect(refusalOfUpgrade(403, '<html>Forbidden</html>', withCredential)?.code).toBe('host_credential_refused');
    expect(refusalOfUpgrade(401, '', enrolling)?.message).toMatch(/^the gateway refused the enrollment token \(HTTP 401/);
  });

  it('5xx and other 4xx are passing trouble: retried', () => {
    for (const status of [500, 502, 503, 504, 404, 429, 0])
      expect(refusalOfUpgrade(status, body(RefusalCode.TokenUsed), enrolling)).toBeNull();
  });

  it('a close with HostRemoved (or Unauthorized) is final and keeps the gateway reason on one line', () => {
    const r = refusalOfClose(CloseCode.HostRemoved, 'host alpha was deleted\nby an administrator', withCredential);
    expect(r?.code).toBe('host_removed');
    expect(r?.message).toMatch(
      /^the gateway removed this host \(host alpha was deleted by an administrator\): delete \/state\/agent-credential\.json/,
    );
    expect(r?.message).not.toContain('\n');
    expect(refusalOfClose(CloseCode.Unauthorized, '', withCredential)?.message).toContain('(no reason given)');
  });

  it('every other close is a reason to reconnect', () => {
    for (const code of [1000, 1001, 1006, 1011, CloseCode.ProtocolError, CloseCode.Replaced])
      expect(refusalOfClose(code, 'bye', withCredential)).toBeNull();
  });

  it('nothing to present is final before dialling', () => {
    expect(nothingToPresent(enrolling).message).toBe(
      'no enrollment token and no host credential in /state/agent-credential.json: start the agent with --enroll TOKEN (get one from Admin → Hosts → Add a host)',
    );
  });

  it('reads only a bounded prefix of the body', () => {
    const huge = `{"error":{"code":"${RefusalCode.TokenUsed}"},"pad":"${'x'.repeat(1 << 20)}"}`;
    expect(refusalOfUpgrade(401, huge, enrolling)?.code).toBe('enrollment_token_refused');
  });
});
