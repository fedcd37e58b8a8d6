// Options of the docker driver, validated and defaulted once at start-up, and the extra checks a
// DesktopSpec passes here (cpu, memory, image) on top of the ones every driver applies.
import { isAbsolute } from 'node:path';
import type { DesktopSpec } from '../driver.ts';
import { checkSpec, type DriverLogger } from '../process/options.ts';

export type { DriverLogger };

export interface DockerDriverOptions {
  /** Per-desktop files on the host: the VNC password file and the directory holding the VNC socket.
   *  Created root 0700: the desktops' uid (1000 in the image) may be a real user on the host. */
  stateDir: string;
  log?: DriverLogger;
  /** Default '/var/run/docker.sock'. */
  socketPath?: string;
  /** Default 'deskport-desktop:latest' (infra/images/build.ts); a spec's `image` overrides it. */
  image?: string;
  /** Container `<namePrefix><desktopId>`, personal volume `<namePrefix>home-<key>`; also a label, so
   *  drivers with different prefixes on one engine never see each other's desktops. Default 'deskport-'. */
  namePrefix?: string;
  /** create() fails when the RFB banner has not answered by then (default 20 s). */
  startTimeoutMs?: number;
  /** A personal desktop gets this long after SIGTERM to write its home before SIGKILL (default 3 s). */
  stopGraceMs?: number;
  /** Cap on processes per desktop (default 1024): a fork bomb stays inside its desktop. */
  pidsLimit?: number;
}

export type ResolvedOptions = Required<Omit<DockerDriverOptions, 'log'>> & { log: DriverLogger };

const silent: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Longest unix socket path Linux takes is 107 bytes; ours is stateDir + this many more. */
export const SOCKET_SUFFIX_LENGTH = '/docker/'.length + 16 + '/run/vnc.sock'.length;

export function resolveOptions(o: DockerDriverOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    stateDir: o.stateDir,
    log: o.log ?? silent,
    socketPath: o.socketPath ?? '/var/run/docker.sock',
    image: o.image ?? 'deskport-desktop:latest',
    namePrefix: o.namePrefix ?? 'deskport-',
    startTimeoutMs: o.startTimeoutMs ?? 20_000,
    stopGraceMs: o.stopGraceMs ?? 3_000,
    pidsLimit: o.pidsLimit ?? 1024,
  };
  const fail = (msg: string): never => {
    throw new Error(`docker driver: ${msg}`);
  };
  if (typeof r.stateDir !== 'string' || !isAbsolute(r.stateDir)) fail('stateDir must be an absolute path');
  if (Buffer.byteLength(r.stateDir) + SOCKET_SUFFIX_LENGTH > 107) {
    fail(`stateDir must be at most ${107 - SOCKET_SUFFIX_LENGTH} bytes long (unix socket paths are capped at 107)`);
  }
  if (typeof r.socketPath !== 'string' || !isAbsolute(r.socketPath)) fail('socketPath must be an absolute path');
  if (typeof r.image !== 'string' || r.image.length === 0) fail('image must be a non-empty string');
  if (typeof r.namePrefix !== 'string' || !/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(r.namePrefix))
    fail('namePrefix must match [a-z0-9][a-z0-9_.-]{0,62}');
  const int = (name: 'startTimeoutMs' | 'stopGraceMs' | 'pidsLimit', min: number, max: number): void => {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer in [${min}, ${max}]`);
  };
  int('startTimeoutMs', 1, 600_000);
  int('stopGraceMs', 0, 600_000);
  int('pidsLimit', 16, 1_000_000);
  return r;
}

/** The shared checks (id, secret, persistence, homeKey, size), then cpu, memory and image. Throws a
 *  message naming the bad field; nothing is created for a spec that fails here. */
export function checkDockerSpec(spec: DesktopSpec): void {
  checkSpec(spec);
  const fail = (msg: string): never => {
    throw new Error(`invalid desktop spec: ${msg}`);
  };
  if (spec.cpu !== undefined && (typeof spec.cpu !== 'number' || !Number.isFinite(spec.cpu) || spec.cpu < 0.01 || spec.cpu > 256)) {
    fail('cpu must be a number of cores in [0.01, 256]');
  }
  if (spec.memoryMb !== undefined && (!Number.isInteger(spec.memoryMb) || spec.memoryMb < 64 || spec.memoryMb > 1_048_576)) {
    fail('memoryMb must be an integer in [64, 1048576]');
  }
  // A reference, not a path or flag: docker's own grammar is looser, this is what we hand it.
  if (spec.image !== undefined && (typeof spec.image !== 'string' || !/^[a-z0-9][a-z0-9._/:@-]{0,254}$/i.test(spec.image))) {
    fail('image must be an image reference such as deskport-desktop:latest');
  }
}
