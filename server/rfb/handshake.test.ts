// The two RFB handshakes, driven by scripted peers: versions 3.3/3.7/3.8, security negotiation,
// failures with and without reasons, caps, and arbitrary chunking (including one byte at a time).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BrowserHandshake, DesktopHandshake, type HandshakeStep } from './handshake.ts';
import { vncAuthResponse } from './vncauth.ts';

const PASSWORD = 's3cr3t-desktop-pw';
const CHALLENGE = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const PIXEL_FORMAT = Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const str = (s: string) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s)]);
const version = (v: string) => Buffer.from(`RFB ${v}\n`, 'latin1');

function serverInit(width: number, height: number, name: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(width, 0);
  head.writeUInt16BE(height, 2);
  return Buffer.concat([head, PIXEL_FORMAT, str(name)]);
}

/** Feed pieces, collecting everything sent; return the last step. */
function run<R>(hs: { feed(b: Uint8Array): HandshakeStep<R> }, pieces: Buffer[]): { sent: Buffer; last: HandshakeStep<R> } {
  const sent: Buffer[] = [];
  let last: HandshakeStep<R> | undefined;
  for (const p of pieces) {
    last = hs.feed(p);
    sent.push(...last.send);
    if (last.status !== 'pending') break;
  }
  if (!last) throw new Error('no input');
  return { sent: Buffer.concat(sent), last };
}

const bytewise = (b: Buffer) => [...b].map((x) => Buffer.from([x]));

describe('DesktopHandshake (gateway as RFB client)', () => {
  const server38 = Buffer.concat([version('003.008'), Buffer.from([2, 1, 2]), CHALLENGE, u32(0), serverInit(1024, 768, 'host:1 (root)')]);
  const expectedSent = Buffer.concat([version('003.008'), Buffer.from([2]), vncAuthResponse(CHALLENGE, PASSWORD), Buffer.from([1])]);

  it('negotiates 3.8 VncAuth and returns ServerInit verbatim, whole or one byte at a time', () => {
    for (const pieces of [[server38], bytewise(server38)]) {
      const { sent, last } = run(new DesktopHandshake(PASSWORD), pieces);
      expect(sent).toEqual(expectedSent);
      if (last.status !== 'done') throw new Error(`not done: ${JSON.stringify(last)}`);
      expect(last.result).toMatchObject({ version: '3.8', width: 1024, height: 768, name: 'host:1 (root)' });
      expect(last.result.serverInit).toEqual(serverInit(1024, 768, 'host:1 (root)'));
      expect(last.result.leftover.length).toBe(0);
    }
  });

  it('always sends ClientInit with the shared flag set', () => {
    const { sent } = run(new DesktopHandshake(PASSWORD), [server38]);
    expect(sent.at(-1)).toBe(1);
  });

  it('keeps bytes that arrive after ServerInit', () => {
    const bell = Buffer.from([2, 2]);
    const { last } = run(new DesktopHandshake(PASSWORD), [Buffer.concat([server38, bell])]);
    expect(last.status === 'done' && last.result.leftover).toEqual(bell);
  });

  it('answers 3.8 to newer servers and 3.7 to 3.7 servers', () => {
    const newer = run(new DesktopHandshake(PASSWORD), [version('004.001')]);
    expect(newer.sent).toEqual(version('003.008'));
    const v37 = Buffer.concat([version('003.007'), Buffer.from([1, 2]), CHALLENGE, u32(0), serverInit(8, 8, 'x')]);
    const r = run(new DesktopHandshake(PASSWORD), [v37]);
    expect(r.sent.subarray(0, 12)).toEqual(version('003.007'));
    expect(r.last.status).toBe('done');
  });

  it('speaks 3.3, where the server picks the security type and no type byte is sent', () => {
    const v33 = Buffer.concat([version('003.003'), u32(2), CHALLENGE, u32(0), serverInit(640, 480, 'old')]);
    const { sent, last } = run(new DesktopHandshake(PASSWORD), bytewise(v33));
    expect(sent).toEqual(Buffer.concat([version('003.003'), vncAuthResponse(CHALLENGE, PASSWORD), Buffer.from([1])]));
    expect(last.status === 'done' && last.result.version).toBe('3.3');
  });

  it('reports a 3.8 auth failure with the server reason', () => {
    const s = Buffer.concat([version('003.008'), Buffer.from([1, 2]), CHALLENGE, u32(1), str('Authentication failed')]);
    const { last } = run(new DesktopHandshake('wrong'), [s]);
    expect(last).toMatchObject({ status: 'failed', error: { code: 'auth-failed', peerReason: 'Authentication failed' } });
  });

  it('reports a 3.3 auth failure, which has no reason string', () => {
    const s = Buffer.concat([version('003.003'), u32(2), CHALLENGE, u32(1)]);
    expect(run(new DesktopHandshake('wrong'), [s]).last).toMatchObject({ status: 'failed', error: { code: 'auth-failed' } });
  });

  it('refuses a desktop that offers only None', () => {
    const s = Buffer.concat([version('003.008'), Buffer.from([1, 1])]);
    const { sent, last } = run(new DesktopHandshake(PASSWORD), [s]);
    expect(last).toMatchObject({ status: 'failed', error: { code: 'no-auth-offered' } });
    expect(sent).toEqual(version('003.008')); // no security type chosen
    const s33 = Buffer.concat([version('003.003'), u32(1)]);
    expect(run(new DesktopHandshake(PASSWORD), [s33]).last).toMatchObject({ error: { code: 'no-auth-offered' } });
  });

  it('fails on security types it cannot use', () => {
    const s = Buffer.concat([version('003.008'), Buffer.from([2, 18, 19])]);
    expect(run(new DesktopHandshake(PASSWORD), [s]).last).toMatchObject({ error: { code: 'security-mismatch' } });
  });

  it('reports a server refusal (zero security types) with its reason, in 3.8 and 3.3', () => {
    const s = Buffer.concat([version('003.008'), Buffer.from([0]), str('Too many\nconnections')]);
    expect(run(new DesktopHandshake(PASSWORD), [s]).last).toMatchObject({ error: { code: 'refused', peerReason: 'Too many connections' } });
    const s33 = Buffer.concat([version('003.003'), u32(0), str('go away')]);
    expect(run(new DesktopHandshake(PASSWORD), [s33]).last).toMatchObject({ error: { code: 'refused', peerReason: 'go away' } });
  });

  it('caps the reason and name lengths read from the wire', () => {
    const longReason = Buffer.concat([version('003.008'), Buffer.from([0]), u32(1025)]);
    expect(run(new DesktopHandshake(PASSWORD), [longReason]).last).toMatchObject({ error: { code: 'protocol-error' } });
    const head = serverInit(1, 1, '').subarray(0, 20);
    const longName = Buffer.concat([version('003.008'), Buffer.from([1, 2]), CHALLENGE, u32(0), head, u32(4097)]);
    expect(run(new DesktopHandshake(PASSWORD), [longName]).last).toMatchObject({ error: { code: 'protocol-error' } });
  });

  it('rejects unsupported and malformed versions', () => {
    expect(run(new DesktopHandshake(PASSWORD), [version('002.000')]).last).toMatchObject({ error: { code: 'unsupported-version' } });
    expect(run(new DesktopHandshake(PASSWORD), [Buffer.from('HTTP/1.1 200')]).last).toMatchObject({ error: { code: 'protocol-error' } });
  });

  it('waits for more bytes on truncated input', () => {
    for (let cut = 0; cut < server38.length; cut++) {
      expect(run(new DesktopHandshake(PASSWORD), [server38.subarray(0, cut)]).last.status).toBe('pending');
    }
  });

  it('refuses to be fed after it ended', () => {
    const hs = new DesktopHandshake(PASSWORD);
    hs.feed(server38);
    expect(() => hs.feed(Buffer.from([0]))).toThrow();
  });

  it('does not reveal the password when inspected or serialized', () => {
    const hs = new DesktopHandshake(PASSWORD);
    expect(inspect(hs, { depth: 5, showHidden: true })).not.toContain(PASSWORD);
    expect(JSON.stringify(hs)).not.toContain(PASSWORD);
  });
});

describe('BrowserHandshake (gateway as RFB server)', () => {
  it('starts with version 3.8', () => {
    expect(new BrowserHandshake().start()).toEqual([version('003.008')]);
  });

  it('3.8: offers None, sends SecurityResult OK, reads ClientInit; any split gives the same bytes', () => {
    const client = Buffer.concat([version('003.008'), Buffer.from([1]), Buffer.from([0])]);
    const expected = Buffer.concat([Buffer.from([1, 1]), u32(0)]);
    for (let split = 0; split <= client.length; split++) {
      const { sent, last } = run(new BrowserHandshake(), [client.subarray(0, split), client.subarray(split)]);
      expect(sent).toEqual(expected);
      expect(last).toMatchObject({ status: 'done', result: { version: '3.8', sharedFlag: false } });
    }
  });

  it('3.7: no SecurityResult after None', () => {
    const { sent, last } = run(new BrowserHandshake(), [Buffer.concat([version('003.007'), Buffer.from([1, 1])])]);
    expect(sent).toEqual(Buffer.from([1, 1]));
    expect(last).toMatchObject({ status: 'done', result: { version: '3.7', sharedFlag: true } });
  });

  it('3.3: the server names None as a u32 and goes straight to ClientInit', () => {
    const { sent, last } = run(new BrowserHandshake(), bytewise(Buffer.concat([version('003.003'), Buffer.from([1])])));
    expect(sent).toEqual(u32(1));
    expect(last).toMatchObject({ status: 'done', result: { version: '3.3' } });
  });

  it('returns messages pipelined after ClientInit', () => {
    const fbur = Buffer.from([3, 0, 0, 0, 0, 0, 4, 0, 3, 0]);
    const { last } = run(new BrowserHandshake(), [Buffer.concat([version('003.008'), Buffer.from([1, 1]), fbur])]);
    expect(last.status === 'done' && last.result.leftover).toEqual(fbur);
  });

  it('3.8: a client choosing another security type gets a failed SecurityResult with a reason', () => {
    const { sent, last } = run(new BrowserHandshake(), [Buffer.concat([version('003.008'), Buffer.from([2])])]);
    expect(last).toMatchObject({ status: 'failed', error: { code: 'security-mismatch' } });
    const tail = sent.subarray(2);
    expect(tail.readUInt32BE(0)).toBe(1);
    const len = tail.readUInt32BE(4);
    expect(tail.subarray(8).toString()).toHaveLength(len);
    expect(tail.subarray(8).toString()).toContain('only None');
  });

  it('3.7: the failed SecurityResult carries no reason', () => {
    const { sent } = run(new BrowserHandshake(), [Buffer.concat([version('003.007'), Buffer.from([2])])]);
    expect(sent).toEqual(Buffer.concat([Buffer.from([1, 1]), u32(1)]));
  });

  it('rejects versions it does not speak', () => {
    expect(run(new BrowserHandshake(), [version('004.000')]).last).toMatchObject({ error: { code: 'unsupported-version' } });
    expect(run(new BrowserHandshake(), [Buffer.from('GET / HTTP/1.1\r\n')]).last).toMatchObject({ error: { code: 'protocol-error' } });
  });
});
