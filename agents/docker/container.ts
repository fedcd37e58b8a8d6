// What a docker desktop's container looks like, as one pure function of the spec (unit-tested without
// an engine), and how a container's labels read back as a desktop (re-adoption after a restart).
import { createHash } from 'node:crypto';
import type { ContainerCreateOptions, ContainerInfo, ContainerInspectInfo } from 'dockerode';
import type { DesktopHandle, DesktopSpec } from '../driver.ts';
import { DESKTOP_UID, RDP_SOCKET_NAME, RUN_DIR_IN_CONTAINER, SECRET_IN_CONTAINER, SOCKET_NAME, type DesktopPaths } from './files.ts';

export const LABEL = {
  desktop: 'deskport.desktop',
  prefix: 'deskport.prefix',
  persistence: 'deskport.persistence',
  homeKey: 'deskport.home-key',
  startedAt: 'deskport.started-at',
  /** 'rdp' for RDP desktops (xrdp); absent for VNC ones. */
  protocol: 'deskport.protocol',
} as const;

const HOME = '/home/user';

/** A volume name for a homeKey: safe keys stay readable, others become a hash behind 'k.', which no
 *  safe key contains, so two keys never share a volume. */
export function homeVolumeName(namePrefix: string, homeKey: string): string {
  const part = /^[A-Za-z0-9_-]{1,100}$/.test(homeKey) ? homeKey : `k.${createHash('sha256').update(homeKey).digest('hex').slice(0, 40)}`;
  return `${namePrefix}home-${part}`;
}

export interface ContainerInputs {
  spec: DesktopSpec;
  image: string;
  namePrefix: string;
  paths: DesktopPaths;
  pidsLimit: number;
  startedAt: number;
}

export function containerOptions(x: ContainerInputs): ContainerCreateOptions {
  const { spec, paths } = x;
  const personal = spec.persistence === 'personal';
  const labels: Record<string, string> = {
    [LABEL.desktop]: spec.desktopId,
    [LABEL.prefix]: x.namePrefix,
    [LABEL.persistence]: spec.persistence,
    [LABEL.startedAt]: String(x.startedAt),
  };
  if (personal) labels[LABEL.homeKey] = spec.homeKey ?? '';
  const rdp = spec.protocol === 'rdp';
  if (rdp) labels[LABEL.protocol] = 'rdp';
  const mounts: NonNullable<NonNullable<ContainerCreateOptions['HostConfig']>['Mounts']> = [
    { Type: 'bind', Source: paths.runDir, Target: RUN_DIR_IN_CONTAINER },
    { Type: 'bind', Source: paths.secretFile, Target: SECRET_IN_CONTAINER, ReadOnly: true },
  ];
  if (personal) mounts.push({ Type: 'volume', Source: homeVolumeName(x.namePrefix, spec.homeKey ?? ''), Target: HOME });
  const memory = spec.memoryMb === undefined ? undefined : spec.memoryMb * 1024 * 1024;
  return {
    name: `${x.namePrefix}${spec.desktopId}`,
    Image: spec.image ?? x.image,
    User: `${DESKTOP_UID}:${DESKTOP_UID}`, // whatever the image says: never root
    Hostname: 'desktop',
    // The secret is not here: Env shows in `docker inspect`. It is the read-only file mounted above.
    // RDP: xrdp on a unix socket in the same agent-only directory (never TCP: without sesman it checks no password).
    Env: [
      rdp ? `DESKPORT_PROTOCOL=rdp` : `DESKPORT_VNC_SOCKET=${RUN_DIR_IN_CONTAINER}/${SOCKET_NAME}`,
      ...(rdp ? [`DESKPORT_RDP_SOCKET=${RUN_DIR_IN_CONTAINER}/${RDP_SOCKET_NAME}`] : []),
      `DESKPORT_GEOMETRY=${spec.width ?? 1280}x${spec.height ?? 800}`,
    ],
    Labels: labels,
    // A pooled home is an anonymous volume: `remove({v: true})` takes it with the container.
    Volumes: personal ? undefined : { [HOME]: {} },
    HostConfig: {
      // No network namespace beyond loopback: the VNC server is a unix socket on the bind mount.
      NetworkMode: 'none',
      Init: true, // docker-init as pid 1 reaps orphans and forwards SIGTERM to the entrypoint
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=256m,mode=1777', '/var/tmp': 'rw,nosuid,nodev,size=64m,mode=1777' },
      Mounts: mounts,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      IpcMode: 'private',
      PidsLimit: x.pidsLimit,
      NanoCpus: spec.cpu === undefined ? undefined : Math.round(spec.cpu * 1e9),
      Memory: memory,
      MemorySwap: memory, // equal to Memory: no swap on top
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
    },
  };
}

/** A container of ours as a desktop; null for one without our labels (not ours, or not a desktop). */
export function handleFromLabels(labels: Record<string, string> | undefined, running: boolean, namePrefix: string): DesktopHandle | null {
  const id = labels?.[LABEL.desktop];
  if (!labels || !id || labels[LABEL.prefix] !== namePrefix) return null;
  const startedAt = Number(labels[LABEL.startedAt]);
  return { desktopId: id, state: running ? 'running' : 'stopped', startedAt: Number.isFinite(startedAt) ? startedAt : 0 };
}

export const handleFromInfo = (c: ContainerInfo, namePrefix: string): DesktopHandle | null =>
  handleFromLabels(c.Labels, c.State === 'running', namePrefix);

export const handleFromInspect = (c: ContainerInspectInfo, namePrefix: string): DesktopHandle | null =>
  handleFromLabels(c.Config.Labels, c.State.Running, namePrefix);

/** What the container's desktop serves, from its labels. */
export const protocolOf = (c: ContainerInspectInfo): 'vnc' | 'rdp' => (c.Config.Labels?.[LABEL.protocol] === 'rdp' ? 'rdp' : 'vnc');

/** The host path of the desktop's socket (VNC, or xrdp's for RDP desktops), from the container's own
 *  bind mount (so it survives a change of stateDir between agent runs). */
export function socketPathOf(c: ContainerInspectInfo): string | null {
  const m = c.Mounts.find((x) => x.Destination === RUN_DIR_IN_CONTAINER);
  return m?.Source ? `${m.Source}/${protocolOf(c) === 'rdp' ? RDP_SOCKET_NAME : SOCKET_NAME}` : null;
}
