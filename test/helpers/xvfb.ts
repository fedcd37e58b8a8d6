// An X server for independent X clients in tests (xfreerdp): Xvfb on a display it picks itself, in
// its own process group, and what it shows read back with xwd. Used by the process driver's
// RDP test (agents/process/rdp.integration.test.ts) and the forward's xfreerdp test.
import { spawn, type ChildProcess } from 'node:child_process';

/** Starts Xvfb (-displayfd) and resolves with its display number once it is ready; the process is pushed on `groups`. */
export async function startXvfb(groups: ChildProcess[]): Promise<number> {
  const x = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1024x768x24', '-nolisten', 'tcp', '-br'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  groups.push(x);
  return new Promise((resolve, reject) => {
    let out = '';
    x.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    x.once('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
}

/** The root window of an X display as xwd writes it (X Window Dump, version 7). */
export async function screenshot(display: number): Promise<Buffer> {
  const child = spawn('xwd', ['-root', '-silent', '-display', `:${display}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  await new Promise((resolve) => child.once('close', resolve));
  return Buffer.concat(chunks);
}

/** Pixels within ±6 per channel of `rgb` in a 32-bit TrueColor XWD dump (0 when it is not one). */
export function countColour(xwd: Buffer, rgb: number): number {
  if (xwd.length < 100) return 0;
  const h = (i: number): number => xwd.readUInt32BE(i * 4);
  const [headerSize, width, height, byteOrder, bpp, bytesPerLine, ncolors] = [h(0), h(4), h(5), h(7), h(11), h(12), h(19)];
  if (bpp !== 32) return 0;
  const start = headerSize + ncolors * 12;
  const want = [(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255];
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = start + y * bytesPerLine + x * 4;
      if (at + 4 > xwd.length) return n;
      const px = byteOrder === 0 ? xwd.readUInt32LE(at) : xwd.readUInt32BE(at);
      const got = [(px >> 16) & 255, (px >> 8) & 255, px & 255];
      if (got.every((v, i) => Math.abs(v - (want[i] ?? 0)) <= 6)) n++;
    }
  }
  return n;
}

/** SIGKILL to a process group started with `detached: true`. */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
