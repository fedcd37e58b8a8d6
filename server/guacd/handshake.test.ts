// Guacamole instructions as the probe writes and reads them, and guacd's log lines as the gateway logs them.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeInstruction, encodeInstruction } from './handshake.ts';
import { locateGuacd } from './locate.ts';
import { parseGuacdLine } from './log-lines.ts';
import { unavailableFor } from './messages.ts';

describe('Guacamole instructions', () => {
  it('round-trips, counting characters, not bytes', () => {
    const parts = ['args', 'VERSION_1_5_0', 'hostname', 'äöü'];
    const text = encodeInstruction(parts);
    expect(text).toBe('4.args,13.VERSION_1_5_0,8.hostname,3.äöü;');
    expect(decodeInstruction(text + '5.error;')).toEqual({ parts, rest: '5.error;' });
  });
  it('waits for more on a truncated instruction at every split point', () => {
    const text = encodeInstruction(['error', 'No such connection.', '517']);
    for (let i = 0; i < text.length; i++) expect(decodeInstruction(text.slice(0, i))).toBeNull();
  });
  it('refuses what is not the protocol', () => {
    expect(() => decodeInstruction('HTTP/1.1 400 Bad Request\r\n')).toThrow(/malformed/);
    expect(() => decodeInstruction('4.argsX')).toThrow(/separator/);
    expect(() => decodeInstruction('99999999.x')).toThrow(/length/);
  });
});

describe('guacd log lines', () => {
  it('maps guacd levels to pino levels and keeps the pid', () => {
    expect(parseGuacdLine('guacd[42]: WARNING:\tSupport for protocol "vnc" is not installed')).toEqual({
      level: 'warn',
      pid: 42,
      msg: 'Support for protocol "vnc" is not installed',
    });
    expect(parseGuacdLine('guacd[7]: ERROR:\tx').level).toBe('error');
    expect(parseGuacdLine('guacd[7]: INFO:\tListening').level).toBe('info');
    expect(parseGuacdLine('guacd[7]: DEBUG:\tx').level).toBe('debug');
    expect(parseGuacdLine('something else', 'warn')).toEqual({ level: 'warn', pid: null, msg: 'something else' });
    // The readiness probe's disconnect after `args`: routine here, not an error (log-lines.ts).
    expect(parseGuacdLine('guacd[9]: ERROR:\tHandshake failed, "connect" instruction was not received.').level).toBe('debug');
    expect(parseGuacdLine('guacd[9]: ERROR:\tHandshake failed, something else.').level).toBe('error');
  });
});

describe('locating guacd', () => {
  it('prefers DESKPORT_GUACD_BIN, then the root, then PATH; finds the plugin directory of a prefix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskport-locate-'));
    try {
      const exe = (p: string) => (mkdirSync(join(p, '..'), { recursive: true }), writeFileSync(p, '#!/bin/sh\n', { mode: 0o755 }));
      const rootBin = join(dir, 'root', 'current', 'sbin', 'guacd');
      const pathBin = join(dir, 'bin', 'guacd');
      exe(rootBin);
      exe(pathBin);
      mkdirSync(join(dir, 'root', 'current', 'lib'));
      writeFileSync(join(dir, 'root', 'current', 'lib', 'libguac-client-rdp.so'), '');
      expect(locateGuacd({ root: join(dir, 'root'), path: [join(dir, 'bin')] })).toEqual({
        found: true,
        bin: rootBin,
        libDir: join(dir, 'root', 'current', 'lib'),
      });
      expect(locateGuacd({ root: join(dir, 'none'), path: [join(dir, 'bin')] })).toEqual({ found: true, bin: pathBin, libDir: null });
      expect(locateGuacd({ bin: join(dir, 'missing'), root: join(dir, 'root'), path: [] })).toMatchObject({
        found: false,
        why: /is not an executable/,
      });
      expect(locateGuacd({ root: join(dir, 'none'), path: [] })).toEqual({ found: false, why: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unavailable', () => {
  const absent = { state: 'absent', mode: null, problem: 'RDP needs guacd: none is installed here; …' } as const;
  it('never for VNC pools, nor when guacd is up', () => {
    expect(unavailableFor('vnc', absent, 'user')).toBeNull();
    expect(unavailableFor('rdp', { state: 'up', mode: 'supervised', problem: null }, 'user')).toBeNull();
  });
  it('tells users to ask their admin, and admins what to do', () => {
    expect(unavailableFor('rdp', absent, 'user')).toMatch(/^RDP needs guacd, which is not installed on this gateway\. Ask your admin/);
    expect(unavailableFor('rdp', { state: 'down', mode: 'supervised', problem: 'x' }, 'user')).toMatch(/not answering right now/);
    expect(unavailableFor('rdp', absent, 'admin')).toBe(absent.problem);
  });
});
