// The docker side of browser tests: the engine and the desktop image made ready (infra/docker.sh,
// infra/images/build.ts), a test gateway with a separate `deskport agent --driver docker` process and
// a "Docker desktop" pool; and, in a page, signing in and launching that pool to its first frame.
import { execFileSync, spawn } from 'node:child_process';
import type { Page } from 'playwright-core';
import { waitForFirstFrame } from '../helpers/browser.ts';
import { startAgent, type TestAgent } from '../helpers/cluster.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

export const DOCKER_POOL = 'Docker desktop';

export interface DockerPool {
  t: TestGateway;
  admin: Api;
  dock: TestAgent;
  poolId: string;
  /** Ends the sessions while the agent still runs (so containers are removed), then the agent. */
  cleanup(): Promise<void>;
}

/** Minutes the first time on a fresh machine (the image build); seconds once the image is cached. */
export async function startDockerPool(agentName: string, pool: Record<string, unknown> = {}): Promise<DockerPool> {
  execFileSync('bash', ['infra/docker.sh'], { stdio: 'ignore' });
  execFileSync('node', ['--import', 'tsx', 'infra/images/build.ts'], { stdio: 'ignore', timeout: 900_000 });
  const t = await startTestGateway();
  let dock: TestAgent | undefined;
  try {
    const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    dock = await startAgent(admin, t.url, agentName, { driver: 'docker' });
    const r = await admin.post('/api/v1/admin/pools', {
      name: DOCKER_POOL,
      driver: 'docker',
      protocol: 'vnc',
      image: 'deskport-desktop:latest',
      ...pool,
    });
    if (r.status !== 201) throw new Error(`the docker pool was refused (${r.status}): ${JSON.stringify(r.body)}`);
    const agent = dock;
    return {
      t,
      admin,
      dock: agent,
      poolId: (r.body as { id: string }).id,
      async cleanup() {
        await t.cleanup();
        await agent.cleanup();
      },
    };
  } catch (err) {
    await t.cleanup();
    await dock?.cleanup();
    throw err;
  }
}

/** Signs `page` in (at the portal, signed out) with the given account. */
export async function signInPage(page: Page, url: string, username = 'admin', password = ADMIN_PASSWORD): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Clicks Launch on the docker pool and waits for the first frame; the session, its desktop and container. */
export async function launchDockerDesktop(page: Page, admin: Api): Promise<{ sessionId: string; desktopId: string; container: string }> {
  await page.getByRole('button', { name: `Launch ${DOCKER_POOL}` }).click();
  await waitForFirstFrame(page);
  return dockerSessionOf(page, admin);
}

/** The viewer's session in `page`, its desktop and the container that runs it (`deskport-<desktop id>`). */
export async function dockerSessionOf(page: Page, admin: Api): Promise<{ sessionId: string; desktopId: string; container: string }> {
  const sessionId = await page.evaluate(() => window.__deskport!.sessionId);
  const sessions = (await admin.get('/api/v1/admin/sessions')).body as { id: string; desktopId: string }[];
  const desktopId = sessions.find((s) => s.id === sessionId)!.desktopId;
  return { sessionId, desktopId, container: `deskport-${desktopId}` };
}

/**
 * Plays a `hz` sine of `ms` inside a desktop container: `docker exec` as uid 1000 with the desktop's
 * PULSE_SERVER runs pacat, which is fed s16le PCM at 48 kHz on its stdin. Once pacat runs (the shell
 * says so just before it execs pacat), `leadMs` of silence goes first so its stream is playing; then
 * the tone is written. Resolves with the epoch ms of that write (this machine's clock, as the page's
 * Date.now()) once pacat has played it all. The time is taken on the host side of the exec's stdin,
 * so a latency measured from it includes docker's stdin relay, and whatever silence was still queued.
 */
export function playToneInContainer(container: string, hz: number, ms: number, leadMs = 500): Promise<number> {
  const pcm = (n: number, f: number): Buffer => {
    const b = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) b.writeInt16LE(f ? Math.round(12_000 * Math.sin((2 * Math.PI * f * i) / 48_000)) : 0, i * 2);
    return b;
  };
  const child = spawn(
    'docker',
    [
      'exec',
      '-i',
      '--user',
      '1000:1000',
      '--env',
      'PULSE_SERVER=unix:/tmp/pulse/native',
      container,
      'sh',
      '-c',
      'echo pacat-starts >&2; exec pacat --raw --rate=48000 --channels=1 --format=s16le --latency-msec=20',
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  return new Promise<number>((resolve, reject) => {
    let said = '';
    let wroteAt: number | null = null;
    child.stdin!.on('error', () => undefined); // pacat gone early: its exit code says why
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`the tone player did not finish: ${said}`))), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      const first = !said.includes('pacat-starts');
      said = (said + d.toString()).slice(-2_000);
      if (!first || !said.includes('pacat-starts')) return;
      child.stdin!.write(pcm(Math.round(48 * leadMs), 0));
      setTimeout(() => {
        wroteAt = Date.now();
        child.stdin!.end(pcm(Math.round(48 * ms), hz));
      }, leadMs);
    });
    child.once('error', (err) => (clearTimeout(timer), reject(err)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && wroteAt !== null) resolve(wroteAt);
      else reject(new Error(`the tone player exited ${code}: ${said.trim()}`));
    });
  });
}
