// Talking to the Docker engine: dockerode errors sorted into what a person can act on (engine down,
// image missing, not found), and the multiplexed log format read back for failure messages.
import { hostname } from 'node:os';

/** The HTTP status of a dockerode error (404, 409, ...), if it carries one. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('statusCode' in err)) return undefined;
  return typeof err.statusCode === 'number' ? err.statusCode : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;

/** True when the socket itself failed: no engine, a stale socket file, or no permission on it. */
export function isUnreachable(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' && ['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET'].includes(code);
}

/** The error to show for a failed engine call: the plain advice when the engine is down, else as is. */
export function engineError(err: unknown, socketPath: string): Error {
  if (isUnreachable(err)) {
    const code = (err as { code: string }).code;
    return new Error(`the Docker engine at ${socketPath} is not reachable (${code}): start dockerd (infra/docker.sh)`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function imageMissingError(image: string): Error {
  return new Error(`image ${image} not found on host ${hostname()}: build it with bin/deskport image build`);
}

/** Container logs without a TTY come as frames: [stream, 0, 0, 0, size (u32 BE)] + payload. */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let o = 0;
  while (o + 8 <= buf.length) {
    const size = buf.readUInt32BE(o + 4);
    parts.push(buf.subarray(o + 8, Math.min(buf.length, o + 8 + size)));
    o += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
