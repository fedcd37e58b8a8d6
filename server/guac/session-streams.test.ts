// The RDP drive's clean-up of an upload that ended short: only a regular file inside the session's
// drive folder goes, whatever name the browser gave guacd (either slash, no climbing out, no links).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeFromDrive } from './session-streams.ts';

const root = mkdtempSync(join(tmpdir(), 'deskport-drive-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('removeFromDrive', () => {
  it('removes a partial upload by the name guacd was given, in a folder too', () => {
    const drive = join(root, 'session-a');
    mkdirSync(join(drive, 'docs'), { recursive: true });
    writeFileSync(join(drive, 'big.bin'), 'part');
    writeFileSync(join(drive, 'docs', 'r.pdf'), 'part');
    expect(removeFromDrive(drive, '/big.bin')).toBe(true);
    expect(removeFromDrive(drive, '\\docs\\r.pdf')).toBe(true);
    expect(existsSync(join(drive, 'big.bin')) || existsSync(join(drive, 'docs', 'r.pdf'))).toBe(false);
    expect(removeFromDrive(drive, '/big.bin')).toBe(false); // gone already
  });

  it('never leaves the drive folder, and never removes a folder or what a link points to', () => {
    const drive = join(root, 'session-b');
    mkdirSync(join(drive, 'sub'), { recursive: true });
    writeFileSync(join(root, 'outside.txt'), 'keep');
    symlinkSync(join(root, 'outside.txt'), join(drive, 'link.txt'));
    for (const name of ['/../outside.txt', '/sub/../../outside.txt', '/./x', '/', '', '/sub'])
      expect(removeFromDrive(drive, name)).toBe(false);
    expect(removeFromDrive(drive, '/link.txt')).toBe(false);
    expect(existsSync(join(root, 'outside.txt')) && existsSync(join(drive, 'sub'))).toBe(true);
  });
});
