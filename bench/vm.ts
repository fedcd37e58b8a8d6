// VM desktops (issue #14): what an idle VM costs its host. The qemu driver itself (no gateway: the
// relay costs nothing while no one watches) starts N VMs of an image, waits for each to be up (its
// ready line), lets them settle, then reads each QEMU process over a window: CPU (utime + stime) as
// a share of one core, RSS and PSS; also each create() (boot to ready) and destroy(). Click → first
// frame through the portal, cold and from a warm spare, is in bench/launch.ts (kinds cold-vm, warm-vm).
// Usage: node --import tsx bench/vm.ts [--n 2] [--image vm] [--memory-mb 512] [--settle-s 10] [--window-s 30]
// Writes bench/results/vm.json and its own section of bench/REPORT.md.
import { randomBytes } from 'node:crypto';
import { createQemuDriver } from '../agents/qemu/driver.ts';
import { buildVmImage, isVmKind } from '../agents/qemu/images.ts';
import { pickAccel } from '../agents/qemu/options.ts';
import { removeAllVms, tempStateDir } from '../agents/qemu/testing.ts';
import { readAllStates } from '../agents/qemu/vm.ts';
import { cpuSeconds, machineWatch, pssBytes, rssBytes } from './lib/procstat.ts';
import { spliceSection } from './lib/report-section.ts';
import { args, initRun, writeResult } from './lib/results.ts';
import { fmt, MiB, sleep, summarize, type Summary } from './lib/stats.ts';

const a = args();
const N = Number(a.get('n') ?? 2);
const IMAGE = a.get('image') ?? 'vm';
const MEMORY_MB = Number(a.get('memory-mb') ?? 512);
const SETTLE_S = Number(a.get('settle-s') ?? 10);
const WINDOW_S = Number(a.get('window-s') ?? 30);
if (!(N >= 1 && N <= 8 && MEMORY_MB >= 64 && MEMORY_MB <= 8192 && SETTLE_S >= 0 && SETTLE_S <= 600 && WINDOW_S >= 5 && WINDOW_S <= 600)) {
  console.error('vm: --n 1..8, --memory-mb 64..8192, --settle-s 0..600, --window-s 5..600');
  process.exit(2);
}
const log = (s: string) => console.log(`vm: ${s}`);

interface VmFigure {
  createMs: number;
  cpuShare: number;
  rssMiB: number;
  pssMiB: number;
}
export interface VmBench {
  image: string;
  accel: 'kvm' | 'tcg';
  memoryMb: number;
  vms: VmFigure[];
  createMs: Summary;
  destroyMs: Summary;
  /** The whole machine's busy CPU during the window, in % of one core (the VMs included). */
  machineBusyPct: number;
}

const started = new Date();
initRun('vm');
const stateDir = await tempStateDir();
const driver = createQemuDriver({ stateDir, memoryMb: MEMORY_MB, cpus: 1 });
const ids: string[] = [];
try {
  if (isVmKind(IMAGE)) {
    const built = await buildVmImage({ kind: IMAGE });
    log(`image ${IMAGE}: ${built.cached ? 'cached' : `built in ${built.seconds} s`}`);
  }
  const accel = await pickAccel('auto');
  const createMs: number[] = [];
  // One at a time: N boots side by side on a small machine would measure the contention, not a boot.
  for (let i = 0; i < N; i++) {
    const desktopId = `bench-vm-${randomBytes(3).toString('hex')}`;
    const t0 = performance.now();
    await driver.create({
      desktopId,
      secret: randomBytes(12).toString('base64url'),
      persistence: 'pooled',
      image: IMAGE,
      memoryMb: MEMORY_MB,
      cpu: 1,
    });
    createMs.push(performance.now() - t0);
    ids.push(desktopId);
    log(`VM ${i + 1} up in ${createMs.at(-1)!.toFixed(0)} ms`);
  }
  const pids = new Map((await readAllStates(stateDir)).map((s) => [s.desktopId, s.pid]));
  log(`settling ${SETTLE_S} s, then measuring ${WINDOW_S} s`);
  await sleep(SETTLE_S * 1000);
  const machine = machineWatch();
  const before = ids.map((id) => cpuSeconds(pids.get(id)!));
  await sleep(WINDOW_S * 1000);
  const after = ids.map((id) => cpuSeconds(pids.get(id)!));
  const load = machine.stop();
  const vms: VmFigure[] = ids.map((id, i) => ({
    createMs: createMs[i]!,
    cpuShare: (after[i]! - before[i]!) / WINDOW_S,
    rssMiB: rssBytes(pids.get(id)!) / MiB,
    pssMiB: pssBytes(pids.get(id)!) / MiB,
  }));
  const destroyMs: number[] = [];
  for (const id of ids.splice(0)) {
    const t0 = performance.now();
    await driver.destroy(id);
    destroyMs.push(performance.now() - t0);
  }
  for (const [i, v] of vms.entries())
    log(
      `VM ${i + 1}: idle CPU ${(100 * v.cpuShare).toFixed(1)} % of a core, RSS ${v.rssMiB.toFixed(0)} MiB, PSS ${v.pssMiB.toFixed(0)} MiB`,
    );
  const data: VmBench = {
    image: IMAGE,
    accel,
    memoryMb: MEMORY_MB,
    vms,
    createMs: summarize(createMs),
    destroyMs: summarize(destroyMs),
    machineBusyPct: load.busyPct,
  };
  const notes = [
    `${N} VM(s) of ${IMAGE}, 1 vCPU and ${MEMORY_MB} MB each, accelerator ${accel}, started one after another by the qemu driver (no gateway); ${SETTLE_S} s to settle after the last one was up, then a ${WINDOW_S} s window.`,
    'CPU: utime + stime of the QEMU process over the window, as a share of one core. RSS and PSS at the end of the window (/proc/PID/status, smaps_rollup). Pooled VMs, destroyed at the end (QMP quit, overlay removed).',
  ];
  writeResult('vm', started, { n: N, image: IMAGE, memoryMb: MEMORY_MB, settleS: SETTLE_S, windowS: WINDOW_S }, notes, data);
  spliceSection('vm', section(data, notes, started));
} finally {
  for (const id of ids) await driver.destroy(id).catch(() => undefined);
  await driver.close();
  await removeAllVms(stateDir);
}

function section(d: VmBench, notes: string[], at: Date): string {
  const rows = d.vms.map(
    (v, i) => `| ${i + 1} | ${fmt(v.createMs, 4)} | ${fmt(100 * v.cpuShare, 2)} % | ${fmt(v.rssMiB, 3)} MiB | ${fmt(v.pssMiB, 3)} MiB |`,
  );
  return [
    '## VM desktops: cost of an idle VM (bench/vm.ts, issue #14)',
    '',
    `Run ${at.toISOString()}, the whole machine busy ${fmt(d.machineBusyPct, 2)} % of one core during the window (these VMs included). ${notes.join(' ')}`,
    '',
    '| VM | create() → up, ms | idle CPU (one core) | RSS | PSS |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `create() p50 ${fmt(d.createMs.p50, 4)} ms; destroy() p50 ${fmt(d.destroyMs.p50, 3)} ms. Click → first frame (cold and warm spare) comes from bench/launch.ts (kinds cold-vm, warm-vm), in the Launch section of a full run.`,
  ].join('\n');
}
