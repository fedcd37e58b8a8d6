// The file-transfer contract against real docker desktops: the home is the container's volume,
// reached on this host; an upload is the container user's (uid 1000) file, as seen from inside.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFileTransferContract } from '../files/transfer.contract.ts';
import { receiveFile } from '../files/transfer.ts';
import { createDockerDriver } from './driver.ts';
import { docker, execIn, prepareEngineAndImage, removeEverything, tempStateDir } from './testing.ts';

const prefix = `deskport-f${randomBytes(3).toString('hex')}-`;
const stateDir = await tempStateDir();

beforeAll(prepareEngineAndImage, 600_000);
afterAll(() => removeEverything(prefix, stateDir), 60_000);

runFileTransferContract('docker', async () => {
  const driver = createDockerDriver({ stateDir, namePrefix: prefix });
  return { driver, cleanup: () => driver.close() };
});

describe('docker driver file transfer', () => {
  it('an uploaded file is the container user’s own, seen from inside the container', async () => {
    const driver = createDockerDriver({ stateDir, namePrefix: prefix });
    const desktopId = `fti-${randomBytes(4).toString('hex')}`;
    try {
      await driver.create({ desktopId, secret: randomBytes(9).toString('base64url'), persistence: 'pooled' });
      await receiveFile(await driver.fileHome(desktopId), ['Downloads'], 'hello.txt', 6, Readable.from([Buffer.from('hello\n')]), {
        stallMs: 5_000,
      });
      const r = await execIn(docker.getContainer(driver.containerName(desktopId)), [
        'sh',
        '-c',
        'stat -c "%u %a" /home/user/Downloads/hello.txt; cat /home/user/Downloads/hello.txt',
      ]);
      expect(r.output.trim().split('\n')).toEqual(['1000 644', 'hello']);
    } finally {
      await driver.destroy(desktopId);
      await driver.close();
    }
  }, 120_000);
});
