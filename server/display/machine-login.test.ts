import { describe, expect, it } from 'vitest';
import { encodeInstruction } from '../guac/instructions.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { GUAC_CLIENT_UNAUTHORIZED, watchMachineLogin } from './machine-login.ts';

/** A link that records what is sent and lets the test play the machine's bytes. */
function fakeLink() {
  const sent: Buffer[] = [];
  let onData: (b: Buffer) => void = () => undefined;
  const link: DesktopLink = {
    bufferedAmount: 0,
    open: true,
    send: (data, done) => (sent.push(data), done?.()),
    pause: () => undefined,
    resume: () => undefined,
    close: () => undefined,
    onData: (fn) => void (onData = fn),
    onClose: () => undefined,
    onError: () => undefined,
    onProtocolError: () => undefined,
  };
  return { link, sent, machine: (b: Buffer) => onData(b) };
}

const u32 = (n: number) => Buffer.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const GUACD_UNREACHABLE = encodeInstruction('error', 'Aborted. See logs.', '519');

/** Plays a VNC Authentication handshake through the watched link; `result` 0 = accepted. */
function vncHandshake(result: number) {
  const f = fakeLink();
  const w = watchMachineLogin('vnc', f.link);
  const toGuacd: Buffer[] = [];
  w.link.onData((b) => toGuacd.push(b));
  f.machine(Buffer.from('RFB 003.008\n'));
  w.link.send(Buffer.from('RFB 003.008\n'));
  f.machine(Buffer.from([1, 2]));
  w.link.send(Buffer.from([2]));
  f.machine(Buffer.alloc(16, 1));
  w.link.send(Buffer.alloc(16, 2));
  f.machine(Buffer.concat([u32(result), ...(result ? [u32(22), Buffer.from('Authentication failure')] : [])]));
  return { w, f, toGuacd };
}

describe('telling a refused VNC password apart (guacd says "unreachable" for both)', () => {
  it('turns guacd’s error into refused credentials when the VNC server refused the password', () => {
    const { w } = vncHandshake(1);
    expect(w.explain(GUACD_UNREACHABLE)).toBe(
      encodeInstruction(
        'error',
        'VNC authentication failed: wrong password (the server said: Authentication failure)',
        GUAC_CLIENT_UNAUTHORIZED,
      ),
    );
  });

  it('leaves guacd’s error alone when the password was accepted or the handshake never got that far', () => {
    expect(vncHandshake(0).w.explain(GUACD_UNREACHABLE)).toBe(GUACD_UNREACHABLE);
    const f = fakeLink();
    expect(watchMachineLogin('vnc', f.link).explain(GUACD_UNREACHABLE)).toBe(GUACD_UNREACHABLE);
  });

  it('passes every byte through unchanged, both ways', () => {
    const { f, toGuacd } = vncHandshake(1);
    expect(Buffer.concat(toGuacd).subarray(0, 12).toString()).toBe('RFB 003.008\n');
    expect(Buffer.concat(toGuacd).length).toBe(12 + 2 + 16 + 4 + 4 + 22);
    expect(Buffer.concat(f.sent).length).toBe(12 + 1 + 16);
  });

  it('does not touch RDP or SSH machines (guacd names their refusals itself)', () => {
    for (const p of ['rdp', 'ssh'] as const) {
      const f = fakeLink();
      const w = watchMachineLogin(p, f.link);
      expect(w.link).toBe(f.link);
      expect(w.explain(GUACD_UNREACHABLE)).toBe(GUACD_UNREACHABLE);
    }
  });
});
