// The `docker` driver: a container per desktop (deskport-desktop image: Xvnc + openbox + xterm),
// with no network at all; the VNC server is a unix socket in a bind-mounted host directory.
// State lives in the engine (container labels) plus the password file; see README.md here.
import { createDesktopQueue } from '../desktop-queue.ts';
import Docker from 'dockerode';
import type { Container, ContainerInspectInfo } from 'dockerode';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import type { DesktopDriver, DesktopHandle, DesktopSpec, ProgressFn } from '../driver.ts';
import { DESKTOP_ID } from '../process/options.ts';
import { waitForBanner } from '../banner.ts';
import { waitForX224 } from '../x224.ts';
import { dialSocket } from './banner.ts';
import { containerOptions, handleFromInfo, handleFromInspect, homeVolumeName, LABEL, protocolOf, socketPathOf } from './container.ts';
import { demuxLogs, engineError, imageMissingError, isNotFound, statusOf } from './engine.ts';
import { desktopPaths, prepareStateDir, RDP_SOCKET_NAME, removeDesktopFiles, sameSecret, writeDesktopFiles } from './files.ts';
import { openDockerCapture } from './sound.ts';
import { homeOnHost } from './transfer.ts';
import type { FileHome } from '../files/home-fs.ts';
import { checkDockerSpec, resolveOptions, type DockerDriverOptions } from './options.ts';

export interface DockerDriver extends DesktopDriver {
  readonly name: 'docker';
  /** The container's name for a desktop id (for tests and diagnostics). */
  containerName(desktopId: string): string;
  fileHome(desktopId: string): Promise<FileHome>;
}

export function createDockerDriver(options: DockerDriverOptions): DockerDriver {
  const o = resolveOptions(options);
  const docker = new Docker({ socketPath: o.socketPath });
  const ready = prepareStateDir(o.stateDir);
  ready.catch((err: Error) => o.log.error({ stateDir: o.stateDir, err: err.message }, 'docker driver cannot prepare its state dir'));
  const q = createDesktopQueue();
  const { creating, serial } = q;
  let closed = false;
  const nameOf = (id: string): string => `${o.namePrefix}${id}`;

  /** Every engine call goes through here, so "engine down" reads the same everywhere. */
  const engine = <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => Promise.reject(engineError(err, o.socketPath)));

  /** Our container for this id (our labels), or null. */
  async function find(desktopId: string): Promise<{ c: Container; info: ContainerInspectInfo } | null> {
    if (typeof desktopId !== 'string' || !DESKTOP_ID.test(desktopId)) return null;
    const c = docker.getContainer(nameOf(desktopId));
    const info = await engine(c.inspect()).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
    return info && handleFromInspect(info, o.namePrefix)?.desktopId === desktopId ? { c, info } : null;
  }

  async function removeContainer(c: Container, graceMs: number): Promise<void> {
    const ignore = (err: unknown): void => {
      // 304: already stopped; 404: already gone; 409: a removal is already under way.
      if (![304, 404, 409].includes(statusOf(err) ?? 0)) throw engineError(err, o.socketPath);
    };
    if (graceMs > 0) await c.stop({ t: Math.ceil(graceMs / 1000) }).catch(ignore);
    await c.remove({ force: true, v: true }).catch(ignore); // v: the anonymous (pooled) home goes too
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      if (
        await c.inspect().then(
          () => false,
          (err: unknown) => isNotFound(err),
        )
      )
        return;
    }
    throw new Error(`container ${c.id} was still there 10 s after its removal`);
  }

  async function logTail(c: Container): Promise<string> {
    const raw = await c.logs({ stdout: true, stderr: true, tail: 15, follow: false }).catch(() => Buffer.alloc(0));
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  }

  async function createOnce(spec: DesktopSpec, signal?: AbortSignal, progress?: ProgressFn): Promise<DesktopHandle> {
    const paths = desktopPaths(o.stateDir, spec.desktopId);
    const existing = await find(spec.desktopId);
    if (existing?.info.State.Running) {
      // A retried create (say, after a lost reply) gets the same desktop; another secret is a conflict.
      if (!(await sameSecret(paths, spec.secret))) throw new Error(`desktop ${spec.desktopId} already exists with another secret`);
      if (protocolOf(existing.info) !== (spec.protocol ?? 'vnc'))
        throw new Error(`desktop ${spec.desktopId} already exists serving ${protocolOf(existing.info)}, not ${spec.protocol ?? 'vnc'}`);
      return handleFromInspect(existing.info, o.namePrefix) as DesktopHandle;
    }
    if (existing) await removeContainer(existing.c, 0); // a dead leftover under this id
    const image = spec.image ?? o.image;
    await engine(docker.getImage(image).inspect()).catch((err: unknown) =>
      Promise.reject(isNotFound(err) ? imageMissingError(image) : err),
    );
    if (spec.persistence === 'personal') {
      const key = spec.homeKey ?? '';
      const holders = await engine(
        docker.listContainers({ all: true, filters: { label: [`${LABEL.prefix}=${o.namePrefix}`, `${LABEL.homeKey}=${key}`] } }),
      );
      const holder = holders.map((h) => handleFromInfo(h, o.namePrefix)).find((h) => h && h.desktopId !== spec.desktopId);
      if (holder) throw new Error(`personal home ${JSON.stringify(key)} is held by desktop ${holder.desktopId}; destroy it first`);
      const volume = homeVolumeName(o.namePrefix, key);
      const have = await engine(docker.getVolume(volume).inspect()).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
      if (!have) await engine(docker.createVolume({ Name: volume, Labels: { [LABEL.prefix]: o.namePrefix, [LABEL.homeKey]: key } }));
    }
    signal?.throwIfAborted();

    const t0 = Date.now();
    await writeDesktopFiles(paths, spec.secret);
    let c: Container | undefined;
    try {
      progress?.('creating', 'Creating the container…');
      c = await engine(
        docker.createContainer(containerOptions({ spec, image, namePrefix: o.namePrefix, paths, pidsLimit: o.pidsLimit, startedAt: t0 })),
      );
      progress?.('starting', 'Starting the container…');
      await engine(c.start());
      progress?.('waiting_display', 'Waiting for the display…');
      const started = c;
      const rdp = spec.protocol === 'rdp';
      const failure = await (rdp ? waitForX224 : waitForBanner)(
        { path: rdp ? `${paths.runDir}/${RDP_SOCKET_NAME}` : paths.socket },
        {
          timeoutMs: o.startTimeoutMs,
          signal,
          gaveUpEveryMs: 250, // a docker inspect per poll would be costly
          gaveUp: async () => {
            const s = await started.inspect().catch(() => null);
            return s?.State.Running ? null : `the container exited (${s?.State.ExitCode ?? 'gone'}) before answering`;
          },
        },
      );
      signal?.throwIfAborted();
      if (failure) throw new Error(`desktop ${spec.desktopId}: ${failure}\n--- container log (tail) ---\n${await logTail(started)}`);
      o.log.info({ desktopId: spec.desktopId, container: started.id.slice(0, 12), ms: Date.now() - t0 }, 'desktop started');
      return { desktopId: spec.desktopId, state: 'running', startedAt: t0 };
    } catch (err) {
      // Nothing worth a graceful stop yet; a personal home volume stays (it is the user's).
      if (c)
        await removeContainer(c, 0).catch((e: Error) =>
          o.log.error({ desktopId: spec.desktopId, err: e.message }, 'cleanup after a failed create failed'),
        );
      await removeDesktopFiles(paths).catch(() => undefined);
      throw err;
    }
  }

  return {
    name: 'docker',
    containerName: nameOf,

    async create(spec, signal, progress) {
      if (closed) throw new Error('docker driver is closed');
      checkDockerSpec(spec);
      signal?.throwIfAborted();
      await ready;
      return q.create(spec, () => createOnce(spec, signal, progress), true); // per person too: one holder check at a time
    },

    async destroy(desktopId) {
      if (typeof desktopId !== 'string' || !DESKTOP_ID.test(desktopId)) return; // cannot name one of ours
      await serial(desktopId, async () => {
        const found = await find(desktopId);
        if (found) {
          const personal = found.info.Config.Labels?.[LABEL.persistence] === 'personal';
          await removeContainer(found.c, personal && found.info.State.Running ? o.stopGraceMs : 0);
        }
        await removeDesktopFiles(desktopPaths(o.stateDir, desktopId));
      });
    },

    async inspect(desktopId) {
      if (creating.has(desktopId)) return null;
      const found = await find(desktopId);
      return found ? handleFromInspect(found.info, o.namePrefix) : null;
    },

    async list() {
      const all = await engine(docker.listContainers({ all: true, filters: { label: [`${LABEL.prefix}=${o.namePrefix}`] } }));
      return all.map((c) => handleFromInfo(c, o.namePrefix)).filter((h): h is DesktopHandle => h !== null && !creating.has(h.desktopId));
    },

    async openStream(desktopId, channel = 'vnc'): Promise<Socket> {
      const found = creating.has(desktopId) ? null : await find(desktopId);
      const path = found?.info.State.Running ? socketPathOf(found.info) : null;
      if (!found || !path) throw new Error(`desktop ${desktopId} is not running`);
      // The image's PulseAudio, captured inside the container (sound.ts); the FIFO sits beside the display's socket.
      if (channel === 'audio') return openDockerCapture(found.c, dirname(path), desktopId);
      const serves = protocolOf(found.info);
      if (channel !== serves) {
        const name = channel === 'vnc' || channel === 'rdp' ? channel : 'unknown';
        throw Object.assign(new Error(`desktop ${desktopId} serves ${serves}, not ${name}`), { code: 'unsupported_channel' });
      }
      return dialSocket(path);
    },

    async fileHome(desktopId) {
      const found = creating.has(desktopId) ? null : await find(desktopId);
      if (!found?.info.State.Running) throw new Error(`desktop ${desktopId} is not running`);
      return homeOnHost(found.info, o.socketPath);
    },

    async close() {
      closed = true; // containers keep running; a new driver re-adopts them from their labels
    },
  };
}
