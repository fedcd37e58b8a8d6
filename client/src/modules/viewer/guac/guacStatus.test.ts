import Guacamole from 'guacamole-common-js';
import { describe, expect, it } from 'vitest';
import { DisplayClose } from '../../../../../contract/display.ts';
import { explainGuacEnd, GUACD_UNAVAILABLE, GuacStatus } from './guacStatus.ts';

const S = GuacStatus;
const title = (facts: Parameters<typeof explainGuacEnd>[0]): string | undefined => {
  const end = explainGuacEnd(facts);
  return end.kind === 'fail' ? end.note.title : undefined;
};

describe('what the end of an RDP/SSH display means', () => {
  it('uses the status numbers of guacamole-common-js itself', () => {
    // The library is loaded lazily in the browser; the mapping must not drift from it.
    expect(GuacStatus).toEqual(
      Object.fromEntries(Object.keys(GuacStatus).map((k) => [k, (Guacamole.Status.Code as unknown as Record<string, number>)[k]])),
    );
  });

  it('says the machine refused the sign-in for refused credentials (RDP, SSH, VNC), what to do, and does not retry', () => {
    // What reaches the browser (test/integration/machine-logins.test.ts): guacd's RDP sentence, guacd's
    // bare SSH abort, and the gateway's VNC sentence; all with CLIENT_UNAUTHORIZED.
    for (const message of [
      'Authentication failure (invalid credentials?)',
      'Aborted. See logs.',
      'VNC authentication failed: wrong password (the server said: Authentication failure)',
    ]) {
      const end = explainGuacEnd({ status: { code: S.CLIENT_UNAUTHORIZED, message }, closeCode: 4502 });
      expect(end, message).toMatchObject({ kind: 'fail', note: { title: 'The machine refused the sign-in' } });
      expect(end.kind === 'fail' && end.note.text).toMatch(/^Check the user name and password\./);
      expect(end.kind === 'fail' && end.note.text).toMatch(/choose Change on the machine’s tile/);
      expect(end.kind === 'fail' && end.note.text).toMatch(/Admin → Machines/);
    }
  });

  it('tells a refused certificate apart from an unreachable machine (guacd uses one code for both)', () => {
    expect(
      title({ status: { code: S.UPSTREAM_NOT_FOUND, message: 'SSL/TLS connection failed (untrusted/self-signed certificate?)' } }),
    ).toBe('The machine’s certificate was refused');
    expect(title({ status: { code: S.UPSTREAM_NOT_FOUND, message: 'Connection failed (server unreachable?)' } })).toBe(
      'Cannot reach the machine',
    );
    expect(title({ status: { code: S.UPSTREAM_UNAVAILABLE, message: 'Server refused connection.' } })).toBe('Cannot reach the machine');
  });

  it('names security negotiation failures, locked accounts and sessions ended on the machine', () => {
    expect(title({ status: { code: S.CLIENT_UNAUTHORIZED, message: 'Security negotiation failed (wrong security type?)' } })).toBe(
      'The machine refused the RDP security mode',
    );
    expect(title({ status: { code: S.UPSTREAM_NOT_FOUND, message: 'Server refused connection (wrong security type?)' } })).toBe(
      'The machine refused the RDP security mode',
    );
    expect(title({ status: { code: S.CLIENT_FORBIDDEN, message: 'Access denied by server (account locked/disabled?)' } })).toBe(
      'The machine refused this account',
    );
    expect(title({ status: { code: S.SESSION_CONFLICT, message: 'Disconnected by other connection.' } })).toBe(
      'Another connection took over this desktop',
    );
    expect(title({ status: { code: S.SESSION_CLOSED, message: 'Logged off.' } })).toBe('The remote session closed');
    expect(title({ status: { code: S.SESSION_TIMEOUT, message: 'Idle session time limit exceeded.' } })).toBe(
      'The machine ended the idle session',
    );
  });

  it('quotes guacd for errors it has no sentence for, without control characters', () => {
    const end = explainGuacEnd({ status: { code: S.UPSTREAM_ERROR, message: 'Upstream\u0007 error.' } });
    expect(end).toMatchObject({ kind: 'fail', note: { title: 'The desktop connection failed' } });
    expect(end.kind === 'fail' && end.note.text).toContain('“Upstream error.”');
  });

  it('retries while guacd is down, saying that RDP needs guacd', () => {
    expect(explainGuacEnd({ closeCode: DisplayClose.GuacdUnavailable })).toEqual({ kind: 'retry', note: GUACD_UNAVAILABLE });
    expect(GUACD_UNAVAILABLE.title).toMatch(/^RDP needs guacd/);
  });

  it('retries a network blip, a gateway restart or an unreachable host, as VNC does', () => {
    expect(explainGuacEnd({})).toEqual({ kind: 'retry' });
    expect(explainGuacEnd({ closeCode: 1006 })).toEqual({ kind: 'retry' });
    expect(explainGuacEnd({ closeCode: DisplayClose.DesktopGone })).toEqual({ kind: 'retry' });
    expect(explainGuacEnd({ closeCode: DisplayClose.DesktopUnreachable })).toEqual({ kind: 'retry' });
    expect(explainGuacEnd({ status: { code: S.SERVER_BUSY, message: '' } })).toEqual({ kind: 'retry' });
  });

  it('stops on a refused viewer stream instead of looping', () => {
    expect(title({ closeCode: DisplayClose.BadViewerStream })).toBe('The display refused what this browser sent');
  });

  it('retries a failed desktop connection guacd said nothing about (a join while the owner reconnects), as VNC does', () => {
    expect(explainGuacEnd({ closeCode: DisplayClose.DesktopFailed })).toEqual({ kind: 'retry' });
  });

  it('ignores a status that is not a number (guacamole-common-js parses the close reason as one)', () => {
    expect(explainGuacEnd({ status: { code: Number.NaN, message: 'viewer left' }, closeCode: 1006 })).toEqual({ kind: 'retry' });
  });
});
