// Paths and names of file transfer: what the gateway and the agent refuse, and the "name (1)" rule.
import { describe, expect, it } from 'vitest';
import { asciiFallbackName, checkPath, MAX_PATH_DEPTH, numberedName, uploadNameProblem } from './file-paths.ts';
import { decodeFromGateway, encode } from './agent-v1.ts';

const refused = (p: string) => {
  const c = checkPath(p);
  return c.ok ? null : c.reason;
};

describe('file transfer paths', () => {
  it('accepts the home and relative folders', () => {
    expect(checkPath('')).toEqual({ ok: true, parts: [] });
    expect(checkPath('Downloads/sub dir/ümlaut.pdf')).toEqual({ ok: true, parts: ['Downloads', 'sub dir', 'ümlaut.pdf'] });
  });

  it('refuses traversal, absolute paths and empty components', () => {
    expect(refused('..')).toMatch(/not allowed/);
    expect(refused('Downloads/../../etc')).toMatch(/not allowed/);
    expect(refused('./x')).toMatch(/not allowed/);
    expect(refused('/etc/passwd')).toMatch(/absolute/);
    expect(refused('a//b')).toMatch(/empty/);
    expect(refused('a/')).toMatch(/empty/);
    expect(refused('a\\..\\b')).toMatch(/"\/"/);
  });

  it('refuses control characters, NUL and broken Unicode', () => {
    expect(refused('a\u0000b')).toMatch(/control/);
    expect(refused('evil\nname')).toMatch(/control/);
    expect(refused('esc\u001b[31m')).toMatch(/control/);
    expect(refused('c1\u009b')).toMatch(/control/);
    expect(refused('del\u007f')).toMatch(/control/);
    expect(refused('half\ud800')).toMatch(/Unicode/);
  });

  it('caps name length in bytes and depth', () => {
    expect(checkPath('a'.repeat(255)).ok).toBe(true);
    expect(refused('a'.repeat(256))).toMatch(/255 bytes/);
    expect(refused('é'.repeat(128))).toMatch(/255 bytes/); // 256 bytes in UTF-8
    expect(checkPath(Array(MAX_PATH_DEPTH).fill('d').join('/')).ok).toBe(true);
    expect(
      refused(
        Array(MAX_PATH_DEPTH + 1)
          .fill('d')
          .join('/'),
      ),
    ).toMatch(/deeper/);
  });

  it('reserves the upload temp prefix', () => {
    expect(uploadNameProblem('.deskport-upload-abc')).toMatch(/reserved/);
    expect(uploadNameProblem('report.pdf')).toBeNull();
  });
});

describe('name clash', () => {
  it('numbers like a browser download does', () => {
    expect(numberedName('report.pdf', 0)).toBe('report.pdf');
    expect(numberedName('report.pdf', 1)).toBe('report (1).pdf');
    expect(numberedName('report', 2)).toBe('report (2)');
    expect(numberedName('.bashrc', 1)).toBe('.bashrc (1)');
    expect(numberedName('backup.tar.gz', 3)).toBe('backup (3).tar.gz');
  });

  it('stays within 255 bytes', () => {
    const long = `${'x'.repeat(251)}.pdf`;
    const n = numberedName(long, 12);
    expect(Buffer.byteLength(n)).toBeLessThanOrEqual(255);
    expect(n.endsWith(' (12).pdf')).toBe(true);
  });

  it('gives browsers an ASCII fallback without quotes or separators', () => {
    expect(asciiFallbackName('a"b/c\\d;é.txt')).toBe('a_b_c_d__.txt');
  });
});

describe('files messages of deskport.agent.v1', () => {
  const key = 'k'.repeat(43);
  it('round-trips a files.receive', () => {
    const m = {
      id: 'r1',
      type: 'files.receive',
      streamId: 's1',
      key,
      desktopId: 'd-1',
      path: 'Downloads',
      name: 'a.txt',
      size: 3,
      maxBytes: 10,
    } as const;
    expect(decodeFromGateway(encode(m))).toEqual({ ok: true, msg: m });
  });

  it('refuses traversal, a size over the cap and an unknown field at the protocol edge', () => {
    const base = { id: 'r1', type: 'files.receive', streamId: 's1', key, desktopId: 'd-1', path: '', name: 'a.txt', size: 3, maxBytes: 10 };
    expect(decodeFromGateway(JSON.stringify({ ...base, path: '../other' }))).toMatchObject({ ok: false, reason: /path/ });
    expect(decodeFromGateway(JSON.stringify({ ...base, name: 'a/b' }))).toMatchObject({ ok: false, reason: /name/ });
    expect(decodeFromGateway(JSON.stringify({ ...base, size: 11 }))).toMatchObject({ ok: false, reason: /size/ });
    expect(decodeFromGateway(JSON.stringify({ ...base, extra: 1 }))).toMatchObject({ ok: false });
    expect(
      decodeFromGateway(JSON.stringify({ id: 'r2', type: 'files.send', streamId: 's', key, desktopId: 'd', path: '', maxBytes: 1 })),
    ).toMatchObject({
      ok: false,
    });
  });
});
