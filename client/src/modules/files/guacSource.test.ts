// The pure parts of the guacd file source: FileSource paths become guacd's absolute names (never
// climbing out of the filesystem's root), and a stream-index listing becomes folder-first entries.
import { describe, expect, it } from 'vitest';
import { cancelNote, entriesOf, remotePath } from './guacSource.ts';

const DIR = 'application/vnd.glyptodon.guacamole.stream-index+json';

describe('guacSource', () => {
  it('names paths as guacd does, and refuses climbing out', () => {
    expect(remotePath('')).toBe('/');
    expect(remotePath('', 'a.txt')).toBe('/a.txt');
    expect(remotePath('docs/2026', 'r.pdf')).toBe('/docs/2026/r.pdf');
    expect(() => remotePath('docs/..', 'x')).toThrow(/not allowed/);
    expect(() => remotePath('', '..')).toThrow(/not allowed/);
  });

  it('lists folders first, by name, with sizes unknown and hidden files left out', () => {
    expect(
      entriesOf({
        '/docs/b.txt': 'text/plain',
        '/docs/sub': DIR,
        '/docs/a.bin': 'application/octet-stream',
        '/docs/.bashrc': 'text/plain',
      }),
    ).toEqual([
      { name: 'sub', kind: 'dir', size: -1, modifiedAt: 0 },
      { name: 'a.bin', kind: 'file', size: -1, modifiedAt: 0 },
      { name: 'b.txt', kind: 'file', size: -1, modifiedAt: 0 },
    ]);
  });

  it('says what a cancelled upload left, as the gateway answered (removed, kept, or no answer)', () => {
    const f = { name: 'a.bin', size: 4 * 1048576 };
    expect(cancelNote(f, 49152, true)).toBe('Cancelled; the part already sent was removed from the machine.');
    expect(cancelNote(f, 49152, false)).toMatch(
      /^Cancelled: “a\.bin” on the machine holds only the first 48 KB of 4\.0 MB \(this connection cannot delete/,
    );
    expect(cancelNote(f, 49152, null)).toMatch(/may hold the first 48 KB of 4\.0 MB/);
  });
});
