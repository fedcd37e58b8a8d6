import { describe, expect, it } from 'vitest';
import { displaySize, resizeTo, tunnelTarget } from './guacUrl.ts';

describe('the guac tunnel URL', () => {
  const size = { width: 1280, height: 758, dpi: 96 };

  it('opens /ws/rdp on this origin over wss for an https page, with the token and the display in the connect data', () => {
    const t = tunnelTarget('/ws/rdp?token=abc%2Bdef%3D', size, new URL('https://gw.test/desktop/s1'));
    expect(t.url).toBe('wss://gw.test/ws/rdp');
    expect(t.data).toBe('token=abc%2Bdef%3D&width=1280&height=758&dpi=96');
    expect(new URLSearchParams(t.data).get('token')).toBe('abc+def=');
  });

  it('uses ws for an http page, and keeps the port', () => {
    expect(tunnelTarget('/ws/rdp?token=t', size, new URL('http://127.0.0.1:8443/x')).url).toBe('ws://127.0.0.1:8443/ws/rdp');
  });

  it('does not let a width in the ticket URL stand next to the real one', () => {
    const q = new URLSearchParams(tunnelTarget('/ws/rdp?token=t&width=1', size, new URL('http://gw.test/')).data);
    expect(q.getAll('width')).toEqual(['1280']);
    expect(q.get('token')).toBe('t');
  });
});

describe('the display size', () => {
  it('is in device pixels, with the DPI following the pixel ratio', () => {
    expect(displaySize(1280, 758, 2)).toEqual({ width: 2560, height: 1516, dpi: 192 });
    expect(displaySize(1000.4, 700.6, 1)).toEqual({ width: 1000, height: 701, dpi: 96 });
  });

  it('stays within what the gateway accepts, even for a hidden element or an odd ratio', () => {
    expect(displaySize(0, 0, 1)).toEqual({ width: 320, height: 200, dpi: 96 });
    expect(displaySize(99999, 99999, 1)).toEqual({ width: 7680, height: 4320, dpi: 96 });
    expect(displaySize(800, 600, Number.NaN)).toEqual({ width: 800, height: 600, dpi: 96 });
  });

  it('asks for a new size only when it changed', () => {
    const a = displaySize(800, 600);
    expect(resizeTo(undefined, a)).toEqual(a);
    expect(resizeTo(a, displaySize(800, 600))).toBeUndefined();
    expect(resizeTo(a, displaySize(801, 600))).toEqual({ width: 801, height: 600, dpi: 96 });
  });
});
