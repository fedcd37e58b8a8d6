// Options of the qemu driver, validated and defaulted once at start-up, the extra checks a DesktopSpec
// passes here, and the choice of accelerator (KVM only where it can really run a guest).
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { DesktopSpec } from '../driver.ts';
import { checkSpec, type DriverLogger } from '../process/options.ts';
import { defaultImageRoot, IMAGE_REF } from './images.ts';

export interface QemuDriverOptions {
  /** Per-desktop files (state, overlay, QMP and VNC sockets, logs) under <stateDir>/qemu/, root 0700. */
  stateDir: string;
  log?: DriverLogger;
  /** Where `image build --kind vm|vm-test` put its images (default ~/.cache/deskport/vm-images). */
  imageRoot?: string;
  /** Image when the spec names none (default 'vm-test', the small test image; pools name theirs). */
  image?: string;
  qemuBinary?: string;
  qemuImgBinary?: string;
  /** 'auto' (default): KVM when /dev/kvm opens and the CPU shows vmx/svm, else TCG (software). */
  accel?: 'auto' | 'kvm' | 'tcg';
  /** vCPUs and memory when the pool sets none (default 1 and 512 MB). */
  cpus?: number;
  memoryMb?: number;
  /** create() fails when the VM is not up by then (default 120 s: a TCG boot is slow on a busy host). */
  startTimeoutMs?: number;
  /** A personal desktop gets this long after the ACPI power button before QEMU is told to quit (default 20 s). */
  stopGraceMs?: number;
  /** Wait for the image's ready line on the serial console before create() resolves (default true). */
  waitForGuest?: boolean;
  /** When the agent runs as root, each QEMU switches to a uid of its own from [uidBase, uidBase +
   *  uidCount) once started (default 2_090_000_000 and 10_000: apart from the process driver's range). */
  uidBase?: number;
  uidCount?: number;
}

export type ResolvedOptions = Required<Omit<QemuDriverOptions, 'log'>> & { log: DriverLogger };

const silent: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** <stateDir>/qemu/<16 hex>/qmp.sock is the longest socket path; Linux caps them at 107 bytes. */
export const SOCKET_SUFFIX_LENGTH = '/qemu/'.length + 16 + '/qmp.sock'.length;

export function resolveOptions(o: QemuDriverOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    stateDir: o.stateDir,
    log: o.log ?? silent,
    imageRoot: o.imageRoot ?? defaultImageRoot(),
    image: o.image ?? 'vm-test',
    qemuBinary: o.qemuBinary ?? 'qemu-system-x86_64',
    qemuImgBinary: o.qemuImgBinary ?? 'qemu-img',
    accel: o.accel ?? 'auto',
    cpus: o.cpus ?? 1,
    memoryMb: o.memoryMb ?? 512,
    startTimeoutMs: o.startTimeoutMs ?? 120_000,
    stopGraceMs: o.stopGraceMs ?? 20_000,
    waitForGuest: o.waitForGuest ?? true,
    uidBase: o.uidBase ?? 2_090_000_000,
    uidCount: o.uidCount ?? 10_000,
  };
  const fail = (msg: string): never => {
    throw new Error(`qemu driver: ${msg}`);
  };
  if (typeof r.stateDir !== 'string' || !isAbsolute(r.stateDir)) fail('stateDir must be an absolute path');
  if (Buffer.byteLength(r.stateDir) + SOCKET_SUFFIX_LENGTH > 107)
    fail(`stateDir must be at most ${107 - SOCKET_SUFFIX_LENGTH} bytes long (unix socket paths are capped at 107)`);
  if (typeof r.imageRoot !== 'string' || !isAbsolute(r.imageRoot)) fail('imageRoot must be an absolute path');
  // QEMU's option syntax splits on commas: paths it is given must not hold one.
  if (r.stateDir.includes(',') || r.imageRoot.includes(',')) fail('stateDir and imageRoot must not contain a comma');
  if (typeof r.image !== 'string' || !IMAGE_REF.test(r.image)) fail('image must be vm, vm-test or an absolute path to a .qcow2');
  for (const b of ['qemuBinary', 'qemuImgBinary'] as const)
    if (typeof r[b] !== 'string' || !/^[A-Za-z0-9_./-]{1,255}$/.test(r[b])) fail(`${b} must be a program name or path`);
  if (!['auto', 'kvm', 'tcg'].includes(r.accel)) fail(`accel must be 'auto', 'kvm' or 'tcg'`);
  const int = (name: 'cpus' | 'memoryMb' | 'startTimeoutMs' | 'stopGraceMs' | 'uidBase' | 'uidCount', min: number, max: number): void => {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer in [${min}, ${max}]`);
  };
  int('cpus', 1, 64);
  int('memoryMb', 64, 1_048_576);
  int('startTimeoutMs', 1, 600_000);
  int('stopGraceMs', 0, 600_000);
  int('uidBase', 1000, 2_100_000_000);
  int('uidCount', 1, 1_000_000);
  if (typeof r.waitForGuest !== 'boolean') fail('waitForGuest must be true or false');
  return r;
}

/** The shared checks, then what only a VM takes: vCPUs and memory in range, an image reference. */
export function checkQemuSpec(spec: DesktopSpec): void {
  checkSpec(spec);
  const fail = (msg: string): never => {
    throw new Error(`invalid desktop spec: ${msg}`);
  };
  if (spec.cpu !== undefined && spec.cpu > 64) fail('cpu must be at most 64 vCPUs for a VM');
  if (spec.memoryMb !== undefined && spec.memoryMb > 1_048_576) fail('memoryMb must be at most 1048576');
  if (spec.image !== undefined && (typeof spec.image !== 'string' || !IMAGE_REF.test(spec.image)))
    fail('image must be vm, vm-test or an absolute path to a .qcow2 base image');
}

/** vCPUs for a pool's cpu (cores, maybe fractional): at least one, rounded up. */
export const vcpusOf = (cpu: number | undefined, fallback: number): number => (cpu === undefined ? fallback : Math.max(1, Math.ceil(cpu)));

/** KVM needs /dev/kvm and a CPU that shows virtualisation: a nested /dev/kvm without vmx/svm accepts a VM
 *  that then never runs (seen on this kind of machine), so 'auto' does not trust the device alone. */
export async function pickAccel(choice: ResolvedOptions['accel']): Promise<'kvm' | 'tcg'> {
  if (choice !== 'auto') return choice;
  const device = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!device) return 'tcg';
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo) ? 'kvm' : 'tcg';
}
