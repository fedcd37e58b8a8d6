import { describe, expect, it } from 'vitest';
import { watchRfbSecurity } from './security-outcome.ts';

const b = (...parts: (string | number[] | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.isBuffer(p) ? p : Buffer.from(p))));
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const reason = (text: string) => b(u32(text.length), text);
const challenge = new Array(16).fill(7);

function vncAuth38(result: number, why = '') {
  const w = watchRfbSecurity();
  w.fromServer(b('RFB 003.008\n'));
  w.fromClient(b('RFB 003.008\n'));
  w.fromServer(b([1, 2]));
  w.fromClient(b([2]));
  w.fromServer(b(challenge));
  w.fromClient(b(new Array(16).fill(9)));
  w.fromServer(b(u32(result), ...(result ? [reason(why)] : [])));
  return w.outcome();
}

describe('the security step of an RFB handshake, watched from the middle', () => {
  it('says the VNC password was refused, with the server’s reason (3.8)', () => {
    expect(vncAuth38(1, 'Authentication failure')).toEqual({ kind: 'auth_failed', reason: 'Authentication failure' });
  });

  it('says ok when VNC Authentication succeeds', () => {
    expect(vncAuth38(0)).toEqual({ kind: 'ok' });
  });

  it('follows bytes arriving one at a time', () => {
    const w = watchRfbSecurity();
    const server = b('RFB 003.008\n', [2, 1, 2], challenge, u32(1), reason('nope'));
    const client = b('RFB 003.008\n', [2]);
    // The server's version first, then the client's, then the rest interleaved byte by byte.
    for (const x of server.subarray(0, 12)) w.fromServer(Buffer.from([x]));
    for (const x of client) w.fromClient(Buffer.from([x]));
    for (const x of server.subarray(12)) w.fromServer(Buffer.from([x]));
    expect(w.outcome()).toEqual({ kind: 'auth_failed', reason: 'nope' });
  });

  it('is pending until the result arrives', () => {
    const w = watchRfbSecurity();
    w.fromServer(b('RFB 003.008\n', [1, 2]));
    w.fromClient(b('RFB 003.008\n', [2]));
    w.fromServer(b(challenge));
    expect(w.outcome()).toEqual({ kind: 'pending' });
  });

  it('reads RFB 3.3 (the server picks the type) and 3.7 (no reason after a failure)', () => {
    const w33 = watchRfbSecurity();
    w33.fromServer(b('RFB 003.008\n'));
    w33.fromClient(b('RFB 003.003\n'));
    w33.fromServer(b(u32(2), challenge, u32(1)));
    expect(w33.outcome()).toEqual({ kind: 'auth_failed', reason: '' });
    const w37 = watchRfbSecurity();
    w37.fromServer(b('RFB 003.008\n'));
    w37.fromClient(b('RFB 003.007\n', [2]));
    w37.fromServer(b([1, 2], challenge, u32(1)));
    expect(w37.outcome()).toEqual({ kind: 'auth_failed', reason: '' });
  });

  it('tells a server that offers no security type (refused before any password) apart', () => {
    const w = watchRfbSecurity();
    w.fromServer(b('RFB 003.008\n', [0], reason('Too many security failures')));
    w.fromClient(b('RFB 003.008\n'));
    expect(w.outcome()).toEqual({ kind: 'refused', reason: 'Too many security failures' });
  });

  it('None security: ok (3.8 result 0)', () => {
    const w = watchRfbSecurity();
    w.fromServer(b('RFB 003.008\n', [1, 1]));
    w.fromClient(b('RFB 003.008\n', [1]));
    w.fromServer(b(u32(0)));
    expect(w.outcome()).toEqual({ kind: 'ok' });
  });

  it('gives up on security types it does not follow, and on bytes that are not RFB', () => {
    const w = watchRfbSecurity();
    w.fromServer(b('RFB 003.008\n', [1, 19]));
    w.fromClient(b('RFB 003.008\n', [19]));
    expect(w.outcome()).toEqual({ kind: 'unknown' });
    const ssh = watchRfbSecurity();
    ssh.fromServer(b('SSH-2.0-OpenSSH_9.2\r\n'));
    expect(ssh.outcome()).toEqual({ kind: 'unknown' });
  });

  it('caps what it reads: a huge reason is summarised, control characters replaced', () => {
    const w = watchRfbSecurity();
    w.fromServer(b('RFB 003.008\n', [1, 2]));
    w.fromClient(b('RFB 003.008\n', [2]));
    w.fromServer(b(challenge, u32(1), u32(1 << 30)));
    expect(w.outcome()).toEqual({ kind: 'auth_failed', reason: '(a 1073741824-byte reason)' });
    expect(vncAuth38(1, 'bad\u0007pw')).toEqual({ kind: 'auth_failed', reason: 'bad?pw' });
  });
});
