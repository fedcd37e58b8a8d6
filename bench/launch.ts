// Launch (issue #4): click-to-first-frame in Debian's Chromium, through the real portal, for a
// process desktop (Xvnc + Openbox under the embedded agent), a cold container (a docker agent
// process creates a fresh container from deskport-desktop), and warm spares (container and
// process pools with minWarm 1). First frame = the viewer is connected and its canvas shows more
// than one colour, as in the e2e tests. One warm-up launch per kind (reported apart), then N.
// VM kinds (issue #14): a `deskport agent --driver qemu` process boots the Debian desktop VM image
// (`image build --kind vm`) under whatever accelerator the host has (TCG on a machine without usable
// KVM): cold (a boot per launch) and warm spare (a VM booted ahead); on request also RDP VMs
// (cold-rdp-vm, warm-rdp-vm: the same image serving xrdp, through a real guacd and the RDP viewer;
// first frame = the guest session's slate background fills most of the picture, since xrdp draws
// before the session is up).
// Usage: node --import tsx bench/launch.ts [--n 10] [--kinds process,cold-container,warm-container,warm-process,cold-vm,warm-vm,cold-rdp-vm,warm-rdp-vm]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { pickAccel } from '../agents/qemu/options.ts';
import { buildVmImage } from '../agents/qemu/images.ts';
import { removeAllVms } from '../agents/qemu/testing.ts';
import { startAgent, type TestAgent } from '../test/helpers/cluster.ts';
import { startGuacd, type GuacdProcess } from '../test/helpers/guacd-process.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../test/helpers/gateway.ts';
import { REPO_DIR } from './lib/children.ts';
import { args, initRun, resultName, writeResult } from './lib/results.ts';
import { fmt, sleep, summarize, type Summary } from './lib/stats.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/chromium-flags.ts';

const a = args();
const N = Number(a.get('n') ?? 10);
const KINDS = (a.get('kinds') ?? 'process,cold-container,warm-container,warm-process,cold-vm,warm-vm').split(',');
const PROCESS_POOL = 'Linux desktop (local)';
const DOCKER_POOL = 'Docker desktop (bench)';
const VM_POOL = 'VM desktop (bench)';
const RDP_VM_POOL = 'RDP VM desktop (bench)';

// Page-side checks (run in Chromium; bench/ is type-checked without the DOM library, hence the
// minimal structural types). Functions, not strings: the portal's CSP forbids eval.
interface PageCanvas {
  width: number;
  height: number;
  getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
interface PageGlobal {
  __deskport?: { rfbState: string; sessionId: string };
  document: { querySelector(sel: string): PageCanvas | null };
}
const connected = () => (globalThis as unknown as PageGlobal).__deskport?.rfbState === 'connected';
const painted = () => {
  const c = (globalThis as unknown as PageGlobal).document.querySelector('[data-testid="viewer"] canvas');
  const ctx = c && c.width > 0 ? c.getContext('2d') : null;
  if (!c || !ctx) return false;
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  for (let i = 4; i < d.length; i += 4 * 97) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
  return false;
};
/** An RDP VM's session is up: at least 30 % of the picture (sampled) is the session's slate (#2d3b4e, ±12 per
 *  channel: guacd's images are lossy). The display's first canvas is its default layer. */
const sessionShown = () => {
  const c = (globalThis as unknown as PageGlobal).document.querySelector('[data-testid="viewer"] canvas');
  const ctx = c && c.width > 0 ? c.getContext('2d') : null;
  if (!c || !ctx) return false;
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let slate = 0;
  let all = 0;
  for (let i = 0; i < d.length; i += 4 * 97, all++)
    if (Math.abs(d[i]! - 0x2d) <= 12 && Math.abs(d[i + 1]! - 0x3b) <= 12 && Math.abs(d[i + 2]! - 0x4e) <= 12) slate++;
  return all > 0 && slate / all > 0.3;
};
const sessionOf = () => (globalThis as unknown as PageGlobal).__deskport?.sessionId ?? '';

export interface LaunchKindResult {
  kind: string;
  label: string;
  warmupMs: number | null;
  ms: number[];
  summary: Summary;
  failures: string[];
}

interface Pools {
  [name: string]: { id: string };
}

async function pools(admin: Api): Promise<Pools> {
  const list = (await admin.get('/api/v1/admin/pools')).body as { id: string; name: string }[];
  return Object.fromEntries(list.map((p) => [p.name, { id: p.id }]));
}

async function setMinWarm(admin: Api, poolId: string, minWarm: number): Promise<void> {
  const r = await admin.call('PATCH', `/api/v1/admin/pools/${poolId}`, { minWarm });
  if (r.status !== 200) throw new Error(`minWarm: ${r.status} ${JSON.stringify(r.body)}`);
}

async function sparesRunning(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  return Number(/^deskport_warm_spares\{state="running"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** After a failed launch: end whatever is still live, so the next one starts clean. */
async function endAll(page: Page, admin: Api): Promise<void> {
  await page.goto('about:blank').catch(() => undefined);
  const live = (await admin.get('/api/v1/admin/sessions?state=starting,ready,lost')).body as { id: string }[];
  for (const s of live) await admin.del(`/api/v1/admin/sessions/${s.id}`);
}

/** One click-to-first-frame through the portal; ends the session afterwards. */
async function launchOnce(page: Page, t: TestGateway, admin: Api, poolName: string, timeoutMs = 30_000, rdp = false): Promise<number> {
  await page.goto(t.url);
  const button = page.getByRole('button', { name: `Launch ${poolName}`, exact: true });
  await button.waitFor({ timeout: 30_000 });
  const clicked = Date.now();
  await button.click();
  await page.waitForFunction(connected, undefined, { timeout: timeoutMs, polling: 10 });
  await page.waitForFunction(rdp ? sessionShown : painted, undefined, { timeout: timeoutMs, polling: 10 });
  const ms = Date.now() - clicked;
  const sessionId = await page.evaluate(sessionOf);
  await page.goto('about:blank'); // leave the viewer before the session ends: no reconnect attempts
  const r = await admin.del(`/api/v1/admin/sessions/${sessionId}`);
  if (r.status !== 204) throw new Error(`end ${sessionId}: ${r.status}`);
  return ms;
}

const started = new Date();
const NAME = resultName('launch');
initRun(NAME);
const results: LaunchKindResult[] = [];
const notes: string[] = [];
let t: TestGateway | undefined;
let dock: TestAgent | undefined;
let vmHost: TestAgent | undefined;
let guacd: GuacdProcess | undefined;
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  if (!existsSync(join(REPO_DIR, 'client/dist/index.html'))) throw new Error('client/dist is missing: run bench/setup.sh');
  if (KINDS.some((k) => k.endsWith('-rdp-vm'))) {
    try {
      guacd = await startGuacd();
    } catch (err) {
      notes.push(`RDP VM launches skipped: ${(err as Error).message} (infra/setup.sh --with-test-tools builds guacd).`);
    }
  }
  t = await startTestGateway(guacd ? { guacd: guacd.guacd } : {});
  const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: `Launch ${PROCESS_POOL}`, exact: true }).waitFor({ timeout: 30_000 });

  const wantsDocker = KINDS.some((k) => k.includes('container'));
  let dockerOk = false;
  if (wantsDocker) {
    try {
      execFileSync('docker', ['image', 'inspect', 'deskport-desktop:latest'], { stdio: 'ignore' });
      dock = await startAgent(admin, t.url, 'bench-docker', { driver: 'docker', maxDesktops: 4 });
      const r = await admin.post('/api/v1/admin/pools', {
        name: DOCKER_POOL,
        description: 'Bench: containers from deskport-desktop.',
        driver: 'docker',
        protocol: 'vnc',
        image: 'deskport-desktop:latest',
        cpu: 1,
        memoryMb: 1024,
      });
      if (r.status !== 201) throw new Error(`docker pool: ${r.status}`);
      dockerOk = true;
    } catch (err) {
      notes.push(
        `Container launches skipped: ${(err as Error).message.split('\n')[0]} (bench/setup.sh starts dockerd and builds the image).`,
      );
    }
  }
  let vmOk = false;
  if (KINDS.some((k) => k.endsWith('-vm'))) {
    try {
      await buildVmImage({ kind: 'vm' }); // seconds when cached; minutes the first time
      vmHost = await startAgent(admin, t.url, 'bench-vm', { driver: 'qemu', maxDesktops: 2 });
      const r = await admin.post('/api/v1/admin/pools', {
        name: VM_POOL,
        description: 'Bench: VMs of the Debian desktop VM image.',
        driver: 'qemu',
        protocol: 'vnc',
        image: 'vm',
        cpu: 1,
        memoryMb: 512,
      });
      if (r.status !== 201) throw new Error(`VM pool: ${r.status}`);
      if (guacd) {
        const rdp = await admin.post('/api/v1/admin/pools', {
          name: RDP_VM_POOL,
          description: 'Bench: RDP VMs of the Debian desktop VM image.',
          driver: 'qemu',
          protocol: 'rdp',
          image: 'vm',
          cpu: 1,
          memoryMb: 512,
        });
        if (rdp.status !== 201) throw new Error(`RDP VM pool: ${rdp.status}`);
      }
      vmOk = true;
    } catch (err) {
      notes.push(`VM launches skipped: ${(err as Error).message.split('\n')[0]} (infra/setup.sh --with-test-tools installs QEMU).`);
    }
  }
  const p = await pools(admin);
  const kinds: Record<string, { label: string; pool: string; warm: boolean; timeoutMs?: number; rdp?: boolean }> = {
    process: { label: 'process desktop (Xvnc, cold)', pool: PROCESS_POOL, warm: false },
    'cold-container': { label: 'cold container (docker run)', pool: DOCKER_POOL, warm: false },
    'warm-container': { label: 'warm spare (container)', pool: DOCKER_POOL, warm: true },
    'warm-process': { label: 'warm spare (process desktop)', pool: PROCESS_POOL, warm: true },
    'cold-vm': { label: 'cold VM (boot of the vm image)', pool: VM_POOL, warm: false, timeoutMs: 180_000 },
    'warm-vm': { label: 'warm spare (VM)', pool: VM_POOL, warm: true, timeoutMs: 180_000 },
    'cold-rdp-vm': { label: 'cold RDP VM (boot and session)', pool: RDP_VM_POOL, warm: false, timeoutMs: 240_000, rdp: true },
    'warm-rdp-vm': { label: 'warm spare (RDP VM)', pool: RDP_VM_POOL, warm: true, timeoutMs: 240_000, rdp: true },
  };
  for (const kind of KINDS) {
    const k = kinds[kind];
    if (!k) throw new Error(`unknown kind ${kind}`);
    if (k.pool === DOCKER_POOL && !dockerOk) continue;
    if (k.pool === VM_POOL && !vmOk) continue;
    if (k.pool === RDP_VM_POOL && !(vmOk && guacd)) continue;
    const poolId = p[k.pool]!.id;
    const res: LaunchKindResult = { kind, label: k.label, warmupMs: null, ms: [], summary: summarize([]), failures: [] };
    if (k.warm) await setMinWarm(admin, poolId, 1);
    for (let i = 0; i <= N; i++) {
      try {
        // A warm launch needs its spare up (it is replaced after each claim); a cold one needs none left.
        if (k.warm) await waitFor('a running warm spare', async () => (await sparesRunning(t!.url)) >= 1, k.timeoutMs ?? 120_000);
        const ms = await launchOnce(page, t, admin, k.pool, k.timeoutMs, k.rdp);
        if (i === 0) res.warmupMs = ms;
        else res.ms.push(ms);
        console.log(`launch: ${k.label} ${i === 0 ? 'warm-up' : `#${i}`}: ${ms} ms`);
      } catch (err) {
        res.failures.push((err as Error).message.split('\n')[0]!);
        console.log(`launch: ${k.label} failed: ${res.failures.at(-1)}`);
        await endAll(page, admin);
        if (res.failures.length >= 3) break; // something is broken; do not spend minutes on it
      }
    }
    if (k.warm) {
      await setMinWarm(admin, poolId, 0);
      await waitFor('spares to drain', async () => (await sparesRunning(t!.url)) === 0, 60_000).catch(() => undefined);
    }
    res.summary = summarize(res.ms);
    results.push(res);
    console.log(`launch: ${k.label}: p50 ${fmt(res.summary.p50)} ms, p90 ${fmt(res.summary.p90)} ms over ${res.ms.length}`);
  }
  notes.push(
    `Click on "Launch" in the portal (Chromium, headless, 1280x800) → the viewer is connected and its canvas shows more than one colour; polled every 10 ms. ${N} measured launches per kind after one warm-up launch; the session is ended through the admin API after each.`,
    'Gateway, embedded agent (process driver), a docker agent process, dockerd, Xvnc and Chromium all run on this machine.',
  );
  if (vmOk)
    notes.push(
      `VM kinds: a qemu agent process on this machine, the vm image (Debian, X, openbox, xterm), 1 vCPU, 512 MB, accelerator ${await pickAccel('auto')}; a cold launch includes the whole boot.${guacd ? " RDP VM kinds: the same image serving xrdp, a guacd on this machine; first frame = 30 % of the picture is the guest session's slate (the driver starts the session ahead through the guest agent; the first connect logs in and attaches to it)." : ''}`,
    );
  writeResult(NAME, started, { n: N, kinds: KINDS }, notes, { kinds: results });
} finally {
  await browser.close().catch(() => undefined);
  await t?.cleanup().catch((err: Error) => console.error(`launch: cleanup: ${err.message}`));
  await guacd?.kill().catch(() => undefined);
  await dock?.cleanup().catch((err: Error) => console.error(`launch: agent cleanup: ${err.message}`));
  if (vmHost) {
    // Every VM the agent recorded is killed by its process group, then the agent and its state dir.
    await vmHost.kill('SIGKILL').catch(() => undefined);
    await removeAllVms(vmHost.stateDir).catch((err: Error) => console.error(`launch: VM cleanup: ${err.message}`));
    await vmHost.cleanup().catch((err: Error) => console.error(`launch: VM agent cleanup: ${err.message}`));
  }
}
