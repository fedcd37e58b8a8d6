// A pool's restricted guest network, against real QEMU (TCG here) and the real vm-test image: the
// guest gets a NIC and a DHCP lease, yet an HTTP request from inside it to the host's loopback (which
// QEMU's user-mode network maps to 10.0.2.2) or to the host's own network address never arrives. The same command line with restrict=off
// reaches the listener, so the probe can tell the two apart. Every QEMU is killed by process group.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultImageRoot, resolveBootImage } from './images.ts';
import { prepareTestImage, tempStateDir } from './testing.ts';
import { networkArgs, qemuArgs, vmPaths } from './vm.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

const stateDir = await tempStateDir();
const groups: number[] = [];
let server: Server;
let hits = 0;

beforeAll(async () => {
  await prepareTestImage();
  server = createServer((_req, res) => {
    hits++;
    res.end('probe-ok\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
});
afterAll(async () => {
  for (const pid of groups)
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  await new Promise((resolve) => server?.close(resolve));
  await rm(stateDir, { recursive: true, force: true });
});

/** Where the guest tries to reach the listener: the host's loopback as the guest sees it, and the host's first outside IPv4 address. */
function targets(): string[] {
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  return ['10.0.2.2', ...(outside ? [outside.address] : [])];
}

/** Boots vm-test with `args` (the argv's network part replaced by `net`) and returns its console lines from the network script. */
async function bootAndProbe(name: string, net: string[]): Promise<string[]> {
  const port = (server.address() as AddressInfo).port;
  const probes = targets().map((ip) => ` deskport.probe=${ip}:${port}`);
  const image = await resolveBootImage('vm-test', defaultImageRoot());
  const p = vmPaths(stateDir, name);
  await mkdir(p.dir, { recursive: true });
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.disk, p.pooledOverlay]);
  const args = qemuArgs({
    desktopId: name,
    image: { ...image, append: `${image.append ?? ''}${probes.join('')}` },
    overlay: p.pooledOverlay,
    paths: p,
    accel: 'tcg',
    cpus: 1,
    memoryMb: 256,
    network: 'restricted',
  });
  const at = args.indexOf('-netdev');
  expect(args.slice(at, at + 4)).toEqual(networkArgs('restricted'));
  args.splice(at, 4, ...net);
  const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: 'ignore' });
  groups.push(child.pid!);
  const until = Date.now() + 150_000;
  for (;;) {
    const lines = (await readFile(p.console, 'utf8').catch(() => '')).split(/\r?\n/).filter((l) => l.startsWith('deskport-vm-test: '));
    const done = lines.filter((l) => / probe .* (reached|unreachable)/.test(l)).length === probes.length;
    if (done || lines.some((l) => /network (none|eth0 no-lease)/.test(l))) {
      process.kill(-child.pid!, 'SIGKILL');
      return lines;
    }
    if (Date.now() > until) throw new Error(`${name}: no probe result on the guest console in 150 s; it said: ${lines.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("a qemu pool's restricted network", () => {
  it('gives the guest a NIC and a lease, but nothing it sends reaches the host', async () => {
    const before = hits;
    const lines = await bootAndProbe('net-restricted', networkArgs('restricted'));
    console.info(`restricted guest: ${lines.join(' | ')}`);
    expect(lines).toContainEqual('deskport-vm-test: network eth0 10.0.2.15');
    const probes = lines.filter((l) => l.includes(' probe '));
    expect(probes).toHaveLength(targets().length);
    for (const l of probes) expect(l).toMatch(/ probe [\d.]+:\d+ unreachable/);
    expect(hits).toBe(before);
  });

  it('(control) the same NIC without restrict=on reaches the listener, so the probe can fail', async () => {
    const before = hits;
    const open = networkArgs('restricted').map((a) => a.replace('restrict=on', 'restrict=off'));
    const lines = await bootAndProbe('net-open', open);
    console.info(`unrestricted guest: ${lines.join(' | ')}`);
    const probes = lines.filter((l) => l.includes(' probe '));
    expect(probes).toHaveLength(targets().length);
    for (const l of probes) expect(l).toMatch(/ probe [\d.]+:\d+ reached$/);
    expect(hits).toBe(before + targets().length);
  });

  it("'none' gives the guest no NIC at all", async () => {
    const lines = await bootAndProbe('net-none', networkArgs('none'));
    expect(lines).toContainEqual('deskport-vm-test: network none');
  });
});
