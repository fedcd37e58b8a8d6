// One VM's files and its QEMU command line. Files: <stateDir>/qemu/<16 hex of the id>/ (root 0700)
// holds state.json (what a restarted agent needs to re-adopt it), the pooled overlay, the QMP and VNC
// sockets and the logs; personal overlays live in <stateDir>/qemu-disks/ and outlive their desktop.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { BootImage } from './images.ts';

export interface VmPaths {
  dir: string;
  state: string;
  qmp: string;
  vnc: string;
  /** QEMU's guest agent (RDP VMs): the virtio-serial port's host end. */
  qga: string;
  console: string;
  log: string;
  pooledOverlay: string;
}

const short = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

export const rootOf = (stateDir: string): string => join(stateDir, 'qemu');

export function vmPaths(stateDir: string, desktopId: string): VmPaths {
  const dir = join(rootOf(stateDir), short(desktopId));
  return {
    dir,
    state: join(dir, 'state.json'),
    qmp: join(dir, 'qmp.sock'),
    vnc: join(dir, 'vnc.sock'),
    qga: join(dir, 'qga.sock'),
    console: join(dir, 'console.log'),
    log: join(dir, 'qemu.log'),
    pooledOverlay: join(dir, 'overlay.qcow2'),
  };
}

/** A person's disk: one overlay per home key, kept across their desktops. */
export const personalOverlay = (stateDir: string, homeKey: string): string =>
  join(stateDir, 'qemu-disks', `${createHash('sha256').update(homeKey).digest('hex').slice(0, 40)}.qcow2`);

const stateSchema = z.object({
  desktopId: z.string().regex(/^[a-z0-9-]{1,64}$/),
  pid: z.number().int().positive(),
  /** /proc/<pid>/stat start time: a recycled pid is never taken for this VM. */
  pidStart: z.number().int().nonnegative(),
  startedAt: z.number().int().nonnegative(),
  persistence: z.enum(['pooled', 'personal']),
  homeKey: z.string().max(256).optional(),
  overlay: z.string().max(512),
  image: z.string().max(512),
  accel: z.enum(['kvm', 'tcg']),
  /** The uid (and gid) QEMU switched to once started (-runas), when the agent runs as root. */
  uid: z.number().int().nonnegative().optional(),
  /** 'rdp': the guest serves RDP on a host forward (below) and there is no VNC server. Absent: 'vnc'. */
  protocol: z.enum(['vnc', 'rdp']).optional(),
  /** RDP VMs: the port on 127.0.0.1 QEMU forwards to the guest's RDP port (read back from QEMU once started). */
  rdpPort: z.number().int().min(1).max(65535).optional(),
  /** Set while create() runs, removed once the VM is ready. A VM whose state still says so and whose
   *  create is not running in this agent (it restarted meanwhile) never became usable: it counts as stopped. */
  starting: z.boolean().optional(),
  /** salt:sha256(salt + secret): a retried create is recognised without keeping the secret on disk. */
  secretHash: z.string().max(200),
});
export type VmState = z.infer<typeof stateSchema>;

export function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): string {
  return `${salt}:${createHash('sha256').update(salt).update(secret).digest('hex')}`;
}

export function sameSecret(stored: string, secret: string): boolean {
  const [salt] = stored.split(':');
  const a = Buffer.from(stored);
  const b = Buffer.from(hashSecret(secret, salt ?? ''));
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function writeState(p: VmPaths, s: VmState): Promise<void> {
  const tmp = `${p.state}.tmp`;
  await writeFile(tmp, JSON.stringify(s), { mode: 0o600 });
  await rename(tmp, p.state);
}

export async function readState(p: VmPaths): Promise<VmState | null> {
  const raw = await readFile(p.state, 'utf8').catch(() => null);
  if (raw === null) return null;
  try {
    return stateSchema.parse(JSON.parse(raw));
  } catch {
    return null; // half-written by a crashed create: the directory is a leftover
  }
}

export async function readAllStates(stateDir: string): Promise<VmState[]> {
  const names = await readdir(rootOf(stateDir)).catch(() => [] as string[]);
  const states = await Promise.all(
    names.filter((n) => /^[0-9a-f]{16}$/.test(n)).map((n) => readState({ state: join(rootOf(stateDir), n, 'state.json') } as VmPaths)),
  );
  return states.filter((s): s is VmState => s !== null);
}

/** Allocated bytes of a file (what it takes on the disk; a qcow2 overlay's virtual size is far larger), 0 if gone. */
export const allocated = async (file: string): Promise<number> => {
  const s = await stat(file).catch(() => null);
  return s?.isFile() ? s.blocks * 512 : 0;
};

/** Disk the VMs under stateDir hold: each recorded VM's overlay, and in the total also the kept personal
 *  disks of people with no VM running now. */
export async function diskUsageOf(stateDir: string): Promise<{ bytes: number; desktops: { desktopId: string; bytes: number }[] }> {
  const states = await readAllStates(stateDir);
  const desktops = await Promise.all(states.map(async (s) => ({ desktopId: s.desktopId, bytes: await allocated(s.overlay) })));
  const inUse = new Set(states.map((s) => s.overlay));
  const disks = join(stateDir, 'qemu-disks');
  const kept = (await readdir(disks).catch(() => [] as string[])).filter((n) => n.endsWith('.qcow2') && !inUse.has(join(disks, n)));
  const keptBytes = (await Promise.all(kept.map((n) => allocated(join(disks, n))))).reduce((a, b) => a + b, 0);
  return { bytes: desktops.reduce((a, d) => a + d.bytes, keptBytes), desktops };
}

export async function prepareStateDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await mkdir(rootOf(stateDir), { recursive: true, mode: 0o700 });
  await mkdir(join(stateDir, 'qemu-disks'), { recursive: true, mode: 0o700 });
}

export interface VmArgs {
  desktopId: string;
  image: BootImage;
  overlay: string;
  paths: VmPaths;
  accel: 'kvm' | 'tcg';
  cpus: number;
  memoryMb: number;
  /** The pool's screen size: the preferred mode in the VGA's EDID, which a guest with a KMS driver
   *  (bochs-drm, as in the vm image) takes; a guest on the VESA framebuffer (vm-test) keeps its own. */
  width?: number;
  height?: number;
  /** 'restricted': a virtio NIC on QEMU's user-mode network with restrict=on (DHCP from QEMU; no packet
   *  reaches the host or any other network). Absent or 'none': no NIC at all. */
  network?: 'none' | 'restricted';
  /** A uid (used as the gid too) QEMU switches to just before the guest runs (-runas): set when the
   *  agent runs as root, so no QEMU keeps root and no two VMs share a uid. */
  runAs?: number;
  /** An RDP VM: the NIC gets a forward from an ephemeral port on the host's 127.0.0.1 to the guest's
   *  RDP port, QEMU's guest agent gets a virtio-serial port, and there is no VNC server. A kernel the
   *  driver boots is told deskport.protocol=rdp (the vm image then serves RDP). */
  rdp?: boolean;
}

/** The guest's RDP port an RDP VM's forward points at. */
export const GUEST_RDP_PORT = 3389;

/** The guest's NIC: none, or user-mode networking isolated by restrict=on (IPv4 only, so the one
 *  rule covers everything; DHCP and the guest's own forwards are all it has). */
export function networkArgs(network: VmArgs['network'], rdp = false): string[] {
  if (network !== 'restricted' && !rdp) return ['-nic', 'none'];
  // Port 0: QEMU binds an ephemeral port on loopback, read back over QMP (forwardPortOf).
  const forward = rdp ? `,hostfwd=tcp:127.0.0.1:0-:${GUEST_RDP_PORT}` : '';
  return ['-netdev', `user,id=net0,restrict=on,ipv6=off${forward}`, '-device', 'virtio-net-pci,netdev=net0'];
}

/** The host port of the forward to the guest's RDP port in HMP `info usernet` output, or null. */
export function forwardPortOf(usernet: string): number | null {
  for (const line of usernet.split(/\r?\n/)) {
    const m = /HOST_FORWARD\]\s+\d+\s+127\.0\.0\.1\s+(\d+)\s+\S+\s+(\d+)\b/.exec(line);
    if (m && Number(m[2]) === GUEST_RDP_PORT && Number(m[1]) >= 1 && Number(m[1]) <= 65535) return Number(m[1]);
  }
  return null;
}

const VGA_MEMORY = 16 * 1024 * 1024;
/** MiB of TCG's translation cache per VM (software emulation only). */
export const TCG_TB_MIB = 64;

/** QEMU's argv: no default devices, no network (unless restricted or RDP), VNC on a unix socket (RDP VMs: none) with a password (set over QMP),
 *  QMP on a unix socket, the serial console to a file, and a seccomp sandbox. */
export function qemuArgs(a: VmArgs): string[] {
  const boot = a.image.kernel
    ? [
        '-kernel',
        a.image.kernel,
        ...(a.image.initrd ? ['-initrd', a.image.initrd] : []),
        ...(a.image.append || a.rdp ? ['-append', [a.image.append, a.rdp ? 'deskport.protocol=rdp' : ''].filter(Boolean).join(' ')] : []),
      ]
    : [];
  return [
    ['-name', `deskport-${a.desktopId}`],
    ['-nodefaults', '-no-user-config'],
    // TCG's translated-code cache defaults to 1 GiB, and a booted desktop fills most of it (measured: an
    // idle 512 MB VM at 947 MiB RSS); a smaller one costs a little speed, not correctness.
    ['-machine', 'pc', '-accel', a.accel === 'tcg' ? `tcg,tb-size=${TCG_TB_MIB}` : a.accel],
    ['-smp', String(a.cpus), '-m', String(a.memoryMb)],
    ['-vga', 'std'],
    // An absolute pointer, so the guest's cursor is where the viewer points (a PS/2 mouse is relative).
    ['-device', 'virtio-tablet-pci'],
    // Only a mode that fits the VGA's 16 MiB of video memory at 32 bits per pixel.
    ...(a.width && a.height && a.width * a.height * 4 <= VGA_MEMORY
      ? [['-global', `VGA.xres=${a.width}`, '-global', `VGA.yres=${a.height}`]]
      : []),
    networkArgs(a.network, a.rdp),
    boot,
    ['-drive', `file=${a.overlay},format=qcow2,if=virtio,discard=unmap`],
    ['-serial', `file:${a.paths.console}`],
    // password=on: no VNC client gets in until QMP set_password gives the desktop's secret.
    a.rdp ? ['-display', 'none'] : ['-vnc', `unix:${a.paths.vnc},password=on`],
    a.rdp
      ? [
          ['-chardev', `socket,id=qga0,path=${a.paths.qga},server=on,wait=off`],
          ['-device', 'virtio-serial-pci', '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0'],
        ].flat()
      : [],
    ['-qmp', `unix:${a.paths.qmp},server=on,wait=off`],
    // QEMU installs its seccomp filter before -runas switches user, so set*id stays allowed when it
    // switches: afterwards the process holds no capability, and set*id cannot raise it again.
    ['-sandbox', `on,obsolete=deny,elevateprivileges=${a.runAs === undefined ? 'deny' : 'allow'},spawn=deny,resourcecontrol=deny`],
    a.runAs === undefined ? [] : ['-runas', `${a.runAs}:${a.runAs}`],
  ].flat();
}
