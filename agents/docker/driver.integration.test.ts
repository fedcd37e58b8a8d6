// The docker driver against a real engine and the real desktop image: the shared driver contract,
// then what only this driver promises (limits, no network, never root, the secret kept out of
// `docker inspect`, homes, clear errors). Builds the image first if this machine lacks it.
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytes, runDriverContract } from '../driver.contract.ts';
import { isConnectionConfirm, X224_CONNECTION_REQUEST } from '../x224.ts';
import type { DesktopSpec } from '../driver.ts';
import { grabColours, vncLogin } from '../../test/helpers/vnc-login.ts';
import { createDockerDriver, type DockerDriver } from './driver.ts';
import { desktopPaths } from './files.ts';
import { docker, execIn, median, prepareEngineAndImage, removeEverything, tempStateDir } from './testing.ts';

const prefix = `deskport-t${randomBytes(3).toString('hex')}-`;
const stateDir = await tempStateDir();

// The first build on a fresh machine runs debootstrap: minutes, not seconds.
beforeAll(prepareEngineAndImage, 600_000);
afterAll(() => removeEverything(prefix, stateDir));

runDriverContract(
  'docker',
  async () => {
    const driver = createDockerDriver({ stateDir, namePrefix: prefix });
    return { driver, cleanup: () => driver.close() };
  },
  { rdp: true },
);

describe('docker driver', () => {
  let driver: DockerDriver;
  const spec = (over: Partial<DesktopSpec> = {}): DesktopSpec => ({
    desktopId: `dd-${randomBytes(4).toString('hex')}`,
    secret: randomBytes(9).toString('base64url'),
    persistence: 'pooled',
    width: 1024,
    height: 768,
    ...over,
  });
  const container = (id: string) => docker.getContainer(driver.containerName(id));

  beforeAll(() => {
    driver = createDockerDriver({ stateDir, namePrefix: prefix });
  });

  it('starts in under two seconds (image present) and accepts only its own secret', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = spec();
      const t0 = performance.now();
      await driver.create(s);
      times.push(performance.now() - t0);
      if (i === 0) {
        const session = await vncLogin(await driver.openStream(s.desktopId), s.secret);
        expect([session.width, session.height]).toEqual([1024, 768]);
        session.socket.destroy();
        const wrong = await driver.openStream(s.desktopId);
        await expect(vncLogin(wrong, 'not-the-secret')).rejects.toThrow(/VncAuth failed/);
        wrong.destroy();
      }
      await driver.destroy(s.desktopId);
    }
    console.info(
      `docker desktop create() -> banner: median ${median(times).toFixed(0)} ms of ${times.map((t) => t.toFixed(0)).join(', ')}`,
    );
    expect(median(times)).toBeLessThan(2_000);
  });

  it('is ready when create resolves: the slate background at once, then a terminal window', async () => {
    const s = spec();
    await driver.create(s);
    const total = 1024 * 768;
    const first = await vncLogin(await driver.openStream(s.desktopId), s.secret);
    let colours = await grabColours(first);
    first.socket.destroy();
    expect((colours.get(0x2d3b4e) ?? 0) + (colours.get(0xffffff) ?? 0)).toBeGreaterThan(total * 0.5); // never black
    for (
      const deadline = Date.now() + 10_000;
      Date.now() < deadline && (colours.get(0xffffff) ?? 0) < total * 0.3;
      await new Promise((r) => setTimeout(r, 250))
    ) {
      const session = await vncLogin(await driver.openStream(s.desktopId), s.secret);
      colours = await grabColours(session);
      session.socket.destroy();
    }
    expect(colours.get(0x2d3b4e) ?? 0).toBeGreaterThan(total * 0.1);
    expect(colours.get(0xffffff) ?? 0).toBeGreaterThan(total * 0.3);
    await driver.destroy(s.desktopId);
  });

  it('applies the limits and the lock-down, labels it, and keeps the secret out of docker inspect', async () => {
    const s = spec({ cpu: 1.5, memoryMb: 768 });
    await driver.create(s);
    const info = await container(s.desktopId).inspect();
    expect(info.HostConfig).toMatchObject({
      NanoCpus: 1_500_000_000,
      Memory: 768 * 2 ** 20,
      MemorySwap: 768 * 2 ** 20,
      PidsLimit: 1024,
      NetworkMode: 'none',
      Privileged: false,
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    });
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Labels).toMatchObject({
      'deskport.desktop': s.desktopId,
      'deskport.persistence': 'pooled',
      'deskport.prefix': prefix,
    });
    expect(JSON.stringify(info)).not.toContain(s.secret);
    await driver.destroy(s.desktopId);
  });

  it('runs every process as uid 1000 without capabilities, with loopback as its only network', async () => {
    const s = spec();
    await driver.create(s);
    const c = container(s.desktopId);
    const words = async (script: string): Promise<string[]> => (await execIn(c, ['sh', '-c', script])).output.split(/\s+/).filter(Boolean);
    // Every process (Xvnc, openbox, xterm, the shell, docker-init): its real uid and effective capabilities.
    const ids = await words(
      'for p in /proc/[0-9]*; do awk \'/^Uid:/{u=$2} /^CapEff:/{c=$2} END{print u "/" c}\' $p/status 2>/dev/null; done | sort -u',
    );
    expect(ids).toEqual(['1000/0000000000000000']);
    expect(await words('cat /proc/1/comm; pgrep -c Xvnc; pgrep -c xterm || true')).toEqual([
      'docker-init',
      '1',
      expect.stringMatching(/^[01]$/),
    ]);
    // Interfaces, routes, TCP sockets (Xvnc listens on the unix socket only).
    expect(await words("ls /sys/class/net; awk 'FNR > 1' /proc/net/route /proc/net/tcp /proc/net/tcp6 | wc -l")).toEqual(['lo', '0']);
    expect((await execIn(c, ['sh', '-c', 'touch /usr/x 2>&1; touch /tmp/x && echo tmp-ok'])).output).toMatch(
      /Read-only file system[\s\S]*tmp-ok/,
    );
    await driver.destroy(s.desktopId);
  });

  it('cannot make its VNC server dial out: vncconfig -connect reaches neither host loopback nor the host', async () => {
    const s = spec();
    await driver.create(s);
    const c = container(s.desktopId);
    const dialled: Socket[] = [];
    const trap = createServer((x) => dialled.push(x.end()));
    await new Promise<void>((r) => trap.listen(0, '0.0.0.0', r)); // every host address
    const port = (trap.address() as { port: number }).port;
    const hostAddrs = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4')
      .map((i) => i?.address ?? '');
    try {
      for (const addr of ['127.0.0.1', ...hostAddrs]) {
        expect((await execIn(c, ['vncconfig', '-display', ':0', '-connect', `${addr}:${port}`])).code).toBe(0);
      }
      // Xvnc logs each attempt's failure; wait for all of them (or for a connection).
      const failures = async (): Promise<number> =>
        (
          (await container(s.desktopId).logs({ stdout: true, stderr: true }))
            .toString('latin1')
            .match(/Reverse connection: unable to connect/g) ?? []
        ).length;
      for (
        const deadline = Date.now() + 10_000;
        Date.now() < deadline && dialled.length === 0 && (await failures()) < 1 + hostAddrs.length;
        await new Promise((r) => setTimeout(r, 100))
      );
      expect(dialled.length).toBe(0);
      expect(await failures()).toBe(1 + hostAddrs.length);
    } finally {
      trap.close();
      for (const x of dialled) x.destroy();
      await driver.destroy(s.desktopId);
    }
  });

  it('keeps a personal home volume on destroy and mounts it again for the next desktop of that key', async () => {
    const homeKey = `user-${randomBytes(3).toString('hex')}@example.org`;
    const first = spec({ persistence: 'personal', homeKey });
    await driver.create(first);
    expect((await container(first.desktopId).inspect()).Config.Labels?.['deskport.home-key']).toBe(homeKey);
    expect((await execIn(container(first.desktopId), ['sh', '-c', 'echo kept > "$HOME/notes.txt"'])).code).toBe(0);
    await expect(driver.create(spec({ persistence: 'personal', homeKey }))).rejects.toThrow(/held by desktop/);
    await driver.destroy(first.desktopId);
    const volumes = (await docker.listVolumes()).Volumes.filter((v) => v.Labels?.['deskport.home-key'] === homeKey);
    expect(volumes.map((v) => v.Name)).toEqual([expect.stringMatching(new RegExp(`^${prefix}home-k\\.[0-9a-f]{40}$`))]);

    const second = spec({ persistence: 'personal', homeKey });
    await driver.create(second);
    expect((await execIn(container(second.desktopId), ['cat', '/home/user/notes.txt'])).output).toBe('kept\n');
    await driver.destroy(second.desktopId);
  });

  it('an RDP desktop: xrdp answers X.224 on its socket, no TCP listener, everything uid 1000, destroy leaves nothing', async () => {
    const s = spec({ protocol: 'rdp' });
    const t0 = performance.now();
    await driver.create(s);
    console.info(`docker RDP desktop create() -> X.224 CC: ${(performance.now() - t0).toFixed(0)} ms`);
    const socket = await driver.openStream(s.desktopId, 'rdp');
    socket.write(X224_CONNECTION_REQUEST);
    const answer = await readBytes(socket, 19);
    socket.destroy();
    expect(isConnectionConfirm(answer), answer.toString('hex')).toBe(true);
    expect([answer[11], answer.readUInt32LE(15)]).toEqual([2, 1]); // negotiation response: TLS
    await expect(driver.openStream(s.desktopId, 'vnc')).rejects.toMatchObject({ code: 'unsupported_channel' });
    const c = container(s.desktopId);
    const words = async (script: string): Promise<string[]> => (await execIn(c, ['sh', '-c', script])).output.split(/\s+/).filter(Boolean);
    expect(await words('pgrep -c Xorg; pgrep -c -x xrdp; pgrep -c -x xrdp-chansrv; pgrep -c Xvnc || true')).toEqual(['1', '1', '1', '0']);
    // The clipboard channel's server has its socket where xrdp's chansrvport=DISPLAY(0) looks.
    expect(await words('test -S /run/xrdp/sockdir/xrdp_chansrv_socket_0 && echo socket')).toEqual(['socket']);
    expect(await words("for p in /proc/[0-9]*; do awk '/^Uid:/{print $2}' $p/status 2>/dev/null; done | sort -u")).toEqual(['1000']);
    expect(await words("ls /sys/class/net; awk 'FNR > 1' /proc/net/tcp /proc/net/tcp6 | wc -l")).toEqual(['lo', '0']);
    const paths = desktopPaths(stateDir, s.desktopId);
    expect((await stat(`${paths.runDir}/rdp.sock`)).isSocket()).toBe(true);
    await driver.destroy(s.desktopId);
    await expect(c.inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(stat(paths.dir)).rejects.toThrow(/ENOENT/);
  });

  it('removes a pooled desktop entirely: container, home volume and host files', async () => {
    const s = spec();
    await driver.create(s);
    const info = await container(s.desktopId).inspect();
    const home = info.Mounts.find((m) => m.Destination === '/home/user');
    expect(home?.Type).toBe('volume');
    await driver.destroy(s.desktopId);
    await expect(container(s.desktopId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(home?.Name ?? '').inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(stat(desktopPaths(stateDir, s.desktopId).dir)).rejects.toThrow(/ENOENT/);
  });

  it('create is idempotent for the same secret and refuses another secret', async () => {
    const s = spec();
    const h = await driver.create(s);
    expect(await driver.create(s)).toEqual(h);
    await expect(driver.create({ ...s, secret: 'different-secret' })).rejects.toThrow(/another secret/);
    await driver.destroy(s.desktopId);
  });

  it('reports a desktop whose container died as stopped, and destroy cleans it up', async () => {
    const s = spec();
    await driver.create(s);
    await container(s.desktopId).kill();
    await container(s.desktopId).wait();
    expect(await driver.inspect(s.desktopId)).toMatchObject({ state: 'stopped' });
    await expect(driver.openStream(s.desktopId)).rejects.toThrow(/not running/);
    await driver.destroy(s.desktopId);
    expect(await driver.inspect(s.desktopId)).toBeNull();
  });

  it('names the missing image and the command that builds it, and creates nothing', async () => {
    const s = spec({ image: 'deskport-no-such-image:latest' });
    await expect(driver.create(s)).rejects.toThrow(
      /^image deskport-no-such-image:latest not found on host \S+: build it with bin\/deskport image build$/,
    );
    expect(await driver.inspect(s.desktopId)).toBeNull();
  });

  it('says how to start the engine when it is not reachable', async () => {
    const offline = createDockerDriver({ stateDir, namePrefix: prefix, socketPath: `${stateDir}/no-engine.sock` });
    const advice = new RegExp(`the Docker engine at ${stateDir}/no-engine.sock is not reachable .*: start dockerd \\(infra/docker.sh\\)`);
    await expect(offline.create(spec())).rejects.toThrow(advice);
    await expect(offline.list()).rejects.toThrow(advice);
  });

  it('a start that misses its deadline rejects with the container log and leaves nothing behind', async () => {
    const impatient = createDockerDriver({ stateDir, namePrefix: prefix, startTimeoutMs: 1 });
    const s = spec();
    await expect(impatient.create(s)).rejects.toThrow(/no RFB banner .* after 1 ms[\s\S]*container log/);
    expect(await driver.inspect(s.desktopId)).toBeNull();
    await expect(container(s.desktopId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('an aborted create rejects with the abort reason and leaves nothing behind', async () => {
    for (const afterMs of [0, 20, 100]) {
      // a whole create takes 300-450 ms here
      const s = spec();
      const ac = new AbortController();
      const pending = driver.create(s, ac.signal);
      setTimeout(() => ac.abort(new Error('caller gave up')), afterMs);
      await expect(pending).rejects.toThrow(/caller gave up/);
      await expect(container(s.desktopId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    }
  });
});
