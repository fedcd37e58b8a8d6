import { describe, expect, it } from 'vitest';
import { RecordedRfbChannel, serverInit } from './rfbChannel.ts';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function open(): { ch: RecordedRfbChannel; got: Uint8Array[] } {
  const ch = new RecordedRfbChannel({ width: 800, height: 600, name: 'desk' });
  const got: Uint8Array[] = [];
  ch.onmessage = (ev) => got.push(new Uint8Array(ev.data));
  return { ch, got };
}

describe('the recorded RFB channel (the server side of noVNC’s handshake)', () => {
  it('offers RFB 3.8 with security None, then sends ServerInit in rgbx32', async () => {
    const { ch, got } = open();
    await tick();
    expect(new TextDecoder().decode(got[0])).toBe('RFB 003.008\n');
    ch.send(new TextEncoder().encode('RFB 003.008\n'));
    await tick();
    expect([...(got[1] ?? [])]).toEqual([1, 1]);
    ch.send(new Uint8Array([1]));
    await tick();
    expect([...(got[2] ?? [])]).toEqual([0, 0, 0, 0]);
    expect(ch.streaming).toBe(false);
    ch.send(new Uint8Array([1])); // ClientInit (shared)
    await tick();
    expect(ch.streaming).toBe(true);
    const si = got[3] as Uint8Array;
    const v = new DataView(si.buffer);
    expect([v.getUint16(0), v.getUint16(2)]).toEqual([800, 600]);
    expect([...si.subarray(4, 8)]).toEqual([32, 24, 0, 1]);
    expect([...si.subarray(14, 17)]).toEqual([0, 8, 16]);
    expect(new TextDecoder().decode(si.subarray(24))).toBe('desk');
  });

  it('takes the client’s bytes in any split, and ignores everything it sends after the handshake', async () => {
    const { ch, got } = open();
    ch.send(new Uint8Array([...new TextEncoder().encode('RFB 003.008\n'), 1, 1])); // all three at once
    expect(ch.streaming).toBe(true);
    ch.send(new Uint8Array(20)); // SetPixelFormat, a key event…: dropped
    ch.deliver(new Uint8Array([2])); // Bell
    await tick();
    expect(got.map((g) => g.length)).toEqual([12, 2, 4, 28, 1]);
  });

  it('refuses recorded data before the handshake, and stays quiet once closed', async () => {
    const { ch, got } = open();
    expect(() => ch.deliver(new Uint8Array([0]))).toThrow(/before the handshake/);
    let closed = 0;
    ch.onclose = () => closed++;
    ch.close();
    ch.close();
    await tick();
    expect(closed).toBe(1);
    expect(got).toEqual([]);
    expect(ch.readyState).toBe('closed');
  });

  it('cuts a long desktop name at 256 bytes', () => {
    expect(serverInit({ width: 1, height: 1, name: 'x'.repeat(1000) }).length).toBe(24 + 256);
  });
});
