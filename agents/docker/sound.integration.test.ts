// Sound from a real docker desktop: a tone played inside the container (pacat as the desktop user, fed
// a sine through docker exec's stdin) is found in what the driver's 'audio' stream captures; closing the
// stream leaves no capture process in the container; a container without a sound server is refused.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Container } from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tonePower } from '../../test/helpers/tone.ts';
import { createDockerDriver, type DockerDriver } from './driver.ts';
import { desktopPaths } from './files.ts';
import { captureEnv } from './sound.ts';
import { docker, execIn, prepareEngineAndImage, removeEverything, tempStateDir } from './testing.ts';

const prefix = `deskport-s${randomBytes(3).toString('hex')}-`;
const stateDir = await tempStateDir();
let driver: DockerDriver;

beforeAll(async () => {
  await prepareEngineAndImage();
  driver = createDockerDriver({ stateDir, namePrefix: prefix });
}, 600_000);
afterAll(() => removeEverything(prefix, stateDir), 60_000);

const newDesktop = async (): Promise<{ id: string; c: Container }> => {
  const id = `ds-${randomBytes(4).toString('hex')}`;
  await driver.create({ desktopId: id, secret: randomBytes(9).toString('base64url'), persistence: 'pooled' });
  return { id, c: docker.getContainer(driver.containerName(id)) };
};

/** Plays `ms` of a `hz` sine through the desktop's sound server: pacat as uid 1000, the PCM on its stdin. */
async function playTone(c: Container, hz: number, ms: number): Promise<void> {
  const n = Math.round(48 * ms);
  const pcm = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) pcm.writeInt16LE(Math.round(12_000 * Math.sin((2 * Math.PI * hz * i) / 48_000)), i * 2);
  const exec = await c.exec({
    Cmd: ['pacat', '--raw', '--rate=48000', '--channels=1', '--format=s16le', '--latency-msec=20'],
    User: '1000:1000',
    Env: captureEnv(),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  stream.resume();
  stream.end(pcm);
}

/** Resolves with the capture's bytes once a 100 ms window holds `hz` (or rejects after `ms`). */
function findTone(s: Socket, hz: number, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let checked = 0;
    const window = 9_600; // 100 ms of s16le mono at 48 kHz
    const timer = setTimeout(() => (s.off('data', onData), reject(new Error(`no ${hz} Hz in ${ms} ms of capture`))), ms);
    const onData = (b: Buffer): void => {
      chunks.push(b);
      const all = Buffer.concat(chunks);
      for (; checked + window <= all.length; checked += window / 2) {
        if (tonePower(all.subarray(checked, checked + window), hz) > 0.8) {
          clearTimeout(timer);
          s.off('data', onData);
          resolve(all);
          return;
        }
      }
    };
    s.on('data', onData);
  });
}

/** The container's processes (docker top), as their command lines. */
const processes = async (c: Container): Promise<string[]> => {
  const top = await c.top();
  const cmd = top.Titles.indexOf('CMD');
  return (top.Processes as string[][]).map((p) => p[cmd] ?? '');
};

describe('docker desktop sound', () => {
  it('an audio stream carries a tone played inside the container; closing it leaves no capture behind', async () => {
    const { id, c } = await newDesktop();
    const t0 = performance.now();
    const s = await driver.openStream(id, 'audio');
    console.info(`docker openStream('audio'): ${(performance.now() - t0).toFixed(0)} ms`);
    // parec starts once the FIFO has its reader (this side opens it as openStream returns): a moment later.
    let capturing: string[] = [];
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      capturing = (await processes(c)).filter((p) => p.startsWith('parec '));
      if (capturing.length > 0) break;
    }
    expect(capturing).toHaveLength(1);
    const heard = findTone(s, 880, 15_000);
    await playTone(c, 880, 1_500);
    const pcm = await heard;
    expect(pcm.length % 2).toBe(0);

    s.destroy();
    let left: string[] = ['?'];
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      left = (await processes(c)).filter((p) => /^parec |deskport-capture|^cat$/.test(p));
      if (left.length === 0) break;
    }
    expect(left).toEqual([]);
    expect((await readdir(desktopPaths(stateDir, id).runDir)).filter((f) => f.endsWith('.fifo'))).toEqual([]);
    await driver.destroy(id);
  }, 60_000);

  it('the stream ends when the container’s sound server stops, and a new one is refused as sound_unavailable', async () => {
    const { id, c } = await newDesktop();
    const s = await driver.openStream(id, 'audio');
    const ended = new Promise<void>((r) => s.once('close', () => r()));
    expect((await execIn(c, ['pkill', '-x', 'pulseaudio'])).code).toBe(0);
    await ended;
    await expect(driver.openStream(id, 'audio')).rejects.toMatchObject({ code: 'sound_unavailable' });
    expect((await processes(c)).filter((p) => /^parec |deskport-capture/.test(p))).toEqual([]);
    await driver.destroy(id);
  }, 60_000);
});
