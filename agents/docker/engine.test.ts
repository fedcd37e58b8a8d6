// Engine failures read as advice (start dockerd, build the image), and container logs come back as text.
import { describe, expect, it } from 'vitest';
import { demuxLogs, engineError, imageMissingError, isNotFound } from './engine.ts';

describe('engine errors', () => {
  it('turns a socket failure into the advice to start dockerd', () => {
    const err = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    expect(engineError(err, '/var/run/docker.sock').message).toBe(
      'the Docker engine at /var/run/docker.sock is not reachable (ENOENT): start dockerd (infra/docker.sh)',
    );
  });

  it('passes other errors through and knows a 404', () => {
    const notFound = Object.assign(new Error('no such container'), { statusCode: 404 });
    expect(engineError(notFound, '/s')).toBe(notFound);
    expect(isNotFound(notFound)).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
  });

  it('names the image, the host and the command that builds it', () => {
    expect(imageMissingError('deskport-desktop:latest').message).toMatch(
      /^image deskport-desktop:latest not found on host \S+: build it with bin\/deskport image build$/,
    );
  });
});

describe('demuxLogs', () => {
  const frame = (stream: number, text: string): Buffer => {
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([head, Buffer.from(text)]);
  };
  it('joins stdout and stderr frames in order, and stops at a truncated frame', () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
    expect(demuxLogs(Buffer.concat([frame(1, 'whole\n'), frame(2, 'cut').subarray(0, 6)]))).toBe('whole\n');
  });
});
