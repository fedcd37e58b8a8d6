// The file-transfer contract against real process desktops (Xvnc, a uid per desktop, bwrap), plus
// what only this driver shows: an upload is the desktop's own file as its programs see it.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runFileTransferContract } from '../files/transfer.contract.ts';
import { receiveFile } from '../files/transfer.ts';
import { createProcessDriver } from './driver.ts';
import { removeAllDesktops, tempDataDir } from './testing.ts';

const dataDir = await tempDataDir();
afterAll(() => removeAllDesktops(dataDir), 60_000);

runFileTransferContract('process', async () => {
  const driver = createProcessDriver({ dataDir });
  return { driver, cleanup: () => driver.close() };
});

describe('process driver file transfer', () => {
  it('an uploaded file is the desktop user’s own, seen from inside the desktop', async () => {
    const driver = createProcessDriver({ dataDir });
    const desktopId = `fti-${randomBytes(4).toString('hex')}`;
    try {
      await driver.create({ desktopId, secret: randomBytes(9).toString('base64url'), persistence: 'pooled' });
      const home = await driver.fileHome(desktopId);
      await receiveFile(home, ['Downloads'], 'hello world.txt', 6, Readable.from([Buffer.from('hello\n')]), { stallMs: 5_000 });
      const r = await driver.runInDesktop(desktopId, [
        'sh',
        '-c',
        'stat -c "%u %a" "$HOME/Downloads/hello world.txt"; id -u; cat "$HOME/Downloads/hello world.txt"',
      ]);
      const [owner, uid, text] = r.stdout.trim().split('\n');
      expect(owner).toBe(`${uid} 644`);
      expect(text).toBe('hello');
    } finally {
      await driver.destroy(desktopId);
      await driver.close();
    }
  }, 120_000);
});
