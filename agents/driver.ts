// The one interface every desktop driver implements (process, docker, qemu, static). The agent
// calls it; the gateway never does directly. Every driver runs the shared contract suite in
// driver.contract.ts.
import type { Socket } from 'node:net';
import type { FileHome } from './files/home-fs.ts';
import type { DiskSnapshotResult, SnapshotOp } from '../contract/agent-v1-disks.ts';

export interface DesktopSpec {
  desktopId: string; // chosen by the gateway: [a-z0-9-]{1,64}
  /** VNC password (VncAuth uses the first 8 bytes). Chosen by the gateway, never logged. */
  secret: string;
  persistence: 'pooled' | 'personal';
  /** For personal desktops: a stable key (the owner's user id) naming the kept home. */
  homeKey?: string;
  image?: string;
  cpu?: number;
  memoryMb?: number;
  width?: number;
  height?: number;
  /** What the desktop serves: 'vnc' (default) or 'rdp' (xrdp + xorgxrdp). A driver without RDP refuses 'rdp'. */
  protocol?: 'vnc' | 'rdp';
  /** The desktop's own network: absent or 'none' = no interface; 'restricted' = a NIC that reaches
   *  neither the host nor any other network. A driver without it refuses 'restricted'. */
  network?: 'none' | 'restricted';
}

/** Which display server of a desktop a stream reaches; 'audio' is its sound as raw PCM (contract/audio.ts). */
export type DisplayChannel = 'vnc' | 'rdp' | 'audio';

export interface DesktopHandle {
  desktopId: string;
  state: 'running' | 'stopped';
  startedAt: number;
}

/** Launch steps a driver may report while create() runs; the portal shows them. */
export type ProgressStep = 'pulling' | 'creating' | 'starting' | 'waiting_display';
export type ProgressFn = (step: ProgressStep, message: string) => void;

export interface DesktopDriver {
  readonly name: 'process' | 'docker' | 'qemu' | 'static';
  /** The desktop networks other than 'none' this driver builds (DesktopSpec.network); absent = none. */
  readonly networks?: readonly NonNullable<DesktopSpec['network']>[];
  /** Starts the desktop; resolves once its VNC server answers the RFB banner. */
  create(spec: DesktopSpec, signal?: AbortSignal, progress?: ProgressFn): Promise<DesktopHandle>;
  /** Stops the desktop and frees what it held; a pooled desktop's home is removed, a personal one's kept.
   *  Idempotent: destroying an unknown desktop resolves. */
  destroy(desktopId: string): Promise<void>;
  /** Current state, or null when the driver knows no such desktop. */
  inspect(desktopId: string): Promise<DesktopHandle | null>;
  /** Inventory: every desktop this driver runs, including ones started before this process (re-adopted). */
  list(): Promise<DesktopHandle[]>;
  /** A connected socket to the desktop's VNC server (or, for channel 'rdp' on an RDP desktop, its xrdp):
   *  a unix socket only the agent can open (process, docker), or TCP where the desktop has nothing else.
   *  A channel the desktop does not serve is refused with code 'unsupported_channel'. Channel 'audio'
   *  starts capturing the desktop's sound (read-only; closing the socket stops the capture), or is
   *  refused with code 'sound_unavailable' when the desktop has no working sound server. */
  openStream(desktopId: string, channel?: DisplayChannel): Promise<Socket>;
  /** Where a running desktop's home is on this host and whose it is, for file transfer
   *  (agents/files/transfer.ts). Absent on drivers without a home here; rejects for a desktop that is not running. */
  fileHome?(desktopId: string): Promise<FileHome>;
  /** Snapshots of a person's kept disk (the one personal desktops with this homeKey get): list, take
   *  (also while a VM runs on it), restore (refused with code 'disk_in_use' while one does) or delete.
   *  Absent on drivers without such disks. Answers the snapshots after the op. */
  snapshots?(homeKey: string, op: SnapshotOp, name?: string): Promise<DiskSnapshotResult>;
  /** Disk this driver's desktops hold on the host (allocated bytes, not virtual sizes): in total, kept
   *  personal disks included, and per desktop it knows. Absent on drivers without disks of their own. */
  diskUsage?(): Promise<{ bytes: number; desktops: { desktopId: string; bytes: number }[] }>;
  /** Stops managing; running desktops keep running so a restarted agent can re-adopt them. */
  close(): Promise<void>;
}

/** The host's driver of this name, or an `unsupported_driver` refusal. */
export function driverNamed(drivers: readonly DesktopDriver[], name: string): DesktopDriver {
  const d = drivers.find((x) => x.name === name);
  if (!d) throw Object.assign(new Error(`this host has no ${name} driver`), { code: 'unsupported_driver' });
  return d;
}

/** A spec asking for a network the driver does not build is refused before anything starts. */
export function checkNetwork(d: DesktopDriver, spec: DesktopSpec): void {
  const n = spec.network ?? 'none';
  if (n !== 'none' && !d.networks?.includes(n))
    throw Object.assign(new Error(`the ${d.name} driver has no ${n} network; only qemu desktops have one`), {
      code: 'unsupported_network',
    });
}
