// The credential files match what TigerVNC's and X's own tools produce (checked against the real
// tools when they are installed, as they are on every Deskport host and CI machine).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vncPasswordFile, xauthorityFile } from './secret-files.ts';

describe('vncPasswordFile', () => {
  it('encodes a known password to the known obfuscated bytes', () => {
    // "password" obfuscated with VNC's fixed key, as vncpasswd -f prints it.
    expect(vncPasswordFile('password').toString('hex')).toBe('dbd83cfd727a1458');
  });

  it('uses only the first 8 bytes of the secret', () => {
    expect(vncPasswordFile('passwordEXTRA')).toEqual(vncPasswordFile('password'));
  });

  it('matches vncpasswd -f byte for byte', () => {
    for (const secret of ['secret12', 'abcdef', 'x7#Q!p0Lzz']) {
      const out = spawnSync('vncpasswd', ['-f'], { input: `${secret}\n` });
      expect(vncPasswordFile(secret)).toEqual(out.stdout);
    }
  });
});

describe('xauthorityFile', () => {
  it('holds one wildcard MIT-MAGIC-COOKIE-1 entry for the display', () => {
    const file = xauthorityFile(42, Buffer.alloc(16, 0xab));
    expect(file.readUInt16BE(0)).toBe(0xffff);
    expect(file.includes(Buffer.from('MIT-MAGIC-COOKIE-1'))).toBe(true);
    expect(file.subarray(-16)).toEqual(Buffer.alloc(16, 0xab));
  });

  it('is read back by xauth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskport-xauth-'));
    try {
      const path = join(dir, 'Xauthority');
      writeFileSync(path, xauthorityFile(42, Buffer.alloc(16, 0xab)));
      const out = spawnSync('xauth', ['-f', path, 'list'], { encoding: 'utf8' });
      expect(out.stdout).toMatch(/:42\s+MIT-MAGIC-COOKIE-1\s+(ab){16}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
