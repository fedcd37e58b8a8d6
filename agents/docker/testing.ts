// Test support for the docker driver's integration tests: the engine and image made ready (so a
// fresh CI machine gets both), a command run inside a desktop's container, and a cleanup that
// removes every container and volume a test run created (by its name prefix), also after failures.
import { mkdtemp, rm } from 'node:fs/promises';
import Docker from 'dockerode';
import type { Container } from 'dockerode';
import { buildDesktopImage, ensureDockerEngine, type BuildLogger } from '../../infra/images/build.ts';
import { LABEL } from './container.ts';
import { demuxLogs } from './engine.ts';

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Starts dockerd if needed and builds (or reuses) deskport-desktop:latest. Minutes the first time. */
export async function prepareEngineAndImage(): Promise<void> {
  const log: BuildLogger = { debug() {}, info: (obj, msg) => console.info(`[image] ${msg ?? ''}`, Object.keys(obj).length ? obj : '') };
  await ensureDockerEngine(log);
  const r = await buildDesktopImage({ log });
  console.info(`[image] ${r.image}: ${r.cached ? 'cached' : 'built'} in ${r.seconds} s`);
}

/** Short on purpose: the VNC socket path under it must stay below Linux's 107-byte cap. */
export const tempStateDir = (): Promise<string> => mkdtemp('/tmp/deskport-docker-');

/** Removes every container and volume labelled with this prefix (or, for volumes, named with it). */
export async function removeEverything(namePrefix: string, stateDir?: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.prefix}=${namePrefix}`] } });
  for (const c of containers)
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  const { Volumes } = await docker.listVolumes();
  for (const v of Volumes ?? []) {
    if (v.Name.startsWith(namePrefix) || v.Labels?.[LABEL.prefix] === namePrefix)
      await docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined);
  }
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
}

/**
 * Test safety net: removes the containers (and their anonymous volumes) whose files live in this
 * agent state dir, e.g. a warm spare the gateway refilled while a test was shutting down.
 */
export async function removeContainersOfStateDir(stateDir: string): Promise<number> {
  const all = await docker.listContainers({ all: true, filters: { label: [LABEL.desktop] } }).catch(() => []);
  let removed = 0;
  for (const c of all) {
    if (!(c.Mounts ?? []).some((m) => m.Source?.startsWith(`${stateDir}/`))) continue;
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .then(
        () => removed++,
        () => undefined,
      );
  }
  return removed;
}

export interface ExecResult {
  code: number;
  output: string;
}

/** Runs argv in the container as its own user (uid 1000), stdout and stderr together. */
export async function execIn(c: Container, argv: string[]): Promise<ExecResult> {
  const exec = await c.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, output: demuxLogs(Buffer.concat(chunks)) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
