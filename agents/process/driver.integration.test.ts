// The process driver against real Xvnc: the shared driver contract, then what only this driver
// promises (credentials, files and modes, homes, start-up failures). Cleans up every desktop it starts.
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriverContract } from '../driver.contract.ts';
import type { DesktopSpec } from '../driver.ts';
import { createProcessDriver, type ProcessDriver } from './driver.ts';
import { layout, readState, writeState } from './layout.ts';
import { grabColours, vncLogin } from '../../test/helpers/vnc-login.ts';
import { removeAllDesktops, tempDataDir } from './testing.ts';

const contractDir = await tempDataDir();
afterAll(() => removeAllDesktops(contractDir));

runDriverContract(
  'process',
  async () => {
    const driver = createProcessDriver({ dataDir: contractDir });
    return { driver, cleanup: () => driver.close() };
  },
  { rdp: true },
);

describe('process driver', () => {
  let dataDir: string;
  let driver: ProcessDriver;
  const spec = (over: Partial<DesktopSpec> = {}): DesktopSpec => ({
    desktopId: `pd-${randomBytes(4).toString('hex')}`,
    secret: randomBytes(9).toString('base64url'),
    persistence: 'pooled',
    width: 1024,
    height: 768,
    ...over,
  });

  beforeAll(async () => {
    dataDir = await tempDataDir();
    driver = createProcessDriver({ dataDir });
  });
  afterAll(() => removeAllDesktops(dataDir));

  it('starts in well under two seconds and accepts only its own secret', async () => {
    const s = spec();
    const t0 = performance.now();
    await driver.create(s);
    const ms = performance.now() - t0;
    console.info(`process desktop create() -> banner: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2_000);
    const session = await vncLogin(await driver.openStream(s.desktopId), s.secret);
    expect([session.width, session.height]).toEqual([1024, 768]);
    session.socket.destroy();
    const wrong = await driver.openStream(s.desktopId);
    await expect(vncLogin(wrong, 'not-the-secret')).rejects.toThrow(/VncAuth failed/);
    wrong.destroy();
    await driver.destroy(s.desktopId);
  });

  it('shows a visible desktop: the slate background and a terminal window, not a black screen', async () => {
    const s = spec();
    await driver.create(s);
    const total = 1024 * 768;
    let colours = new Map<number, number>();
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const session = await vncLogin(await driver.openStream(s.desktopId), s.secret);
      colours = await grabColours(session);
      session.socket.destroy();
      if ((colours.get(0xffffff) ?? 0) > total * 0.3) break; // xterm's white window is up
    }
    expect(colours.get(0x2d3b4e) ?? 0).toBeGreaterThan(total * 0.1); // background around it
    expect(colours.get(0xffffff) ?? 0).toBeGreaterThan(total * 0.3);
    await driver.destroy(s.desktopId);
  });

  it('keeps its state root-only and its home to its own unprivileged uid', async () => {
    const s = spec();
    await driver.create(s);
    const L = layout(dataDir);
    const state = await readState(L, s.desktopId);
    expect(state).not.toBeNull();
    if (process.getuid?.() === 0) expect(state?.uid).toBeGreaterThanOrEqual(2_000_000_000);
    const mode = async (p: string): Promise<{ mode: number; uid: number }> => {
      const st = await stat(p);
      return { mode: st.mode & 0o7777, uid: st.uid };
    };
    expect(await mode(L.stateFile(s.desktopId))).toEqual({ mode: 0o600, uid: 0 });
    expect(await mode(join(L.desktopDir(s.desktopId), 'vncpasswd'))).toEqual({ mode: 0o600, uid: 0 });
    expect(await mode(L.desktopDir(s.desktopId))).toEqual({ mode: 0o711, uid: 0 });
    expect(await mode(state?.home ?? '')).toEqual({ mode: 0o700, uid: state?.uid });
    expect((await mode(L.logFile(s.desktopId, 'xvnc'))).mode).toBe(0o600);
    await driver.destroy(s.desktopId);
  });

  it('removes a pooled home on destroy and keeps a personal one, reusing it (and its uid) next time', async () => {
    const pooled = spec();
    await driver.create(pooled);
    const pooledHome = (await readState(layout(dataDir), pooled.desktopId))?.home ?? '';
    await driver.destroy(pooled.desktopId);
    await expect(stat(pooledHome)).rejects.toThrow();

    const first = spec({ persistence: 'personal', homeKey: 'user-42@example.org' });
    await driver.create(first);
    const before = await readState(layout(dataDir), first.desktopId);
    await driver.runInDesktop(first.desktopId, ['sh', '-c', 'echo kept > "$HOME/notes.txt"']);
    await expect(driver.create(spec({ persistence: 'personal', homeKey: first.homeKey }))).rejects.toThrow(/held by desktop/);
    await driver.destroy(first.desktopId);
    expect(await readdir(before?.home ?? '')).toContain('notes.txt');

    const second = spec({ persistence: 'personal', homeKey: first.homeKey });
    await driver.create(second);
    const after = await readState(layout(dataDir), second.desktopId);
    expect(after?.home).toBe(before?.home);
    expect(after?.uid).toBe(before?.uid);
    expect((await driver.runInDesktop(second.desktopId, ['cat', 'notes.txt'])).stdout).toBe('kept\n');
    await driver.destroy(second.desktopId);
  });

  it('starts several desktops at once on distinct displays, ports and uids', async () => {
    const specs = [spec(), spec(), spec()];
    await Promise.all(specs.map((x) => driver.create(x)));
    const states = await Promise.all(specs.map((x) => readState(layout(dataDir), x.desktopId)));
    for (const key of ['display', 'socket', 'uid'] as const) expect(new Set(states.map((st) => st?.[key])).size).toBe(3);
    for (const x of specs) expect(await driver.inspect(x.desktopId)).toMatchObject({ state: 'running' });
    await Promise.all(specs.map((x) => driver.destroy(x.desktopId)));
  });

  it('create is idempotent for the same secret and refuses another secret', async () => {
    const s = spec();
    const h = await driver.create(s);
    expect(await driver.create(s)).toEqual(h);
    await expect(driver.create({ ...s, secret: 'different-secret' })).rejects.toThrow(/another secret/);
    await driver.destroy(s.desktopId);
  });

  it('a start that misses its deadline rejects with the Xvnc log, and leaves nothing behind', async () => {
    const impatient = createProcessDriver({ dataDir, startTimeoutMs: 1 }); // bwrap alone takes longer
    const s = spec();
    await expect(impatient.create(s)).rejects.toThrow(/no RFB banner .* after 1 ms[\s\S]*Xvnc log/);
    expect(await impatient.inspect(s.desktopId)).toBeNull();
    await expect(readdir(join(dataDir, 'desktops'))).resolves.not.toContain(s.desktopId);
  });

  it('an aborted create rejects with the abort reason and leaves nothing behind, whenever it aborts', async () => {
    for (const afterMs of [0, 5, 15, 30]) {
      // a whole create takes 80-130 ms here
      const s = spec();
      const ac = new AbortController();
      const pending = driver.create(s, ac.signal);
      setTimeout(() => ac.abort(new Error('caller gave up')), afterMs);
      await expect(pending).rejects.toThrow(/caller gave up/);
      expect(await driver.inspect(s.desktopId)).toBeNull();
      await expect(readdir(join(dataDir, 'desktops'))).resolves.not.toContain(s.desktopId);
    }
  });

  it('still reaches and destroys a desktop recorded before the unix socket (a TCP port, no socket)', async () => {
    const s = spec();
    await driver.create(s);
    const L = layout(dataDir);
    const state = await readState(L, s.desktopId);
    if (!state?.socket) throw new Error('no socket recorded');
    // An old desktop's Xvnc listened on a loopback port: a forwarder to the socket stands in for it.
    const old = createServer((c) => c.pipe(connect({ path: state.socket ?? '' })).pipe(c));
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    try {
      const { socket: _dropped, ...rest } = state;
      await writeState(L, { ...rest, port: (old.address() as { port: number }).port });
      const session = await vncLogin(await driver.openStream(s.desktopId), s.secret);
      expect(session.width).toBe(1024);
      session.socket.destroy();
      await driver.destroy(s.desktopId);
      expect(await driver.inspect(s.desktopId)).toBeNull();
    } finally {
      old.close();
    }
  });

  it('reports a desktop whose Xvnc died as stopped, and destroy cleans it up', async () => {
    const s = spec();
    await driver.create(s);
    const state = await readState(layout(dataDir), s.desktopId);
    process.kill(state?.xvnc?.pid ?? 0, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    expect(await driver.inspect(s.desktopId)).toMatchObject({ state: 'stopped' });
    await expect(driver.openStream(s.desktopId)).rejects.toThrow(/not running/);
    await driver.destroy(s.desktopId);
    expect(await driver.inspect(s.desktopId)).toBeNull();
  });
});
