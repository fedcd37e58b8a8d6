// The one contract every DesktopDriver passes (the way Hono checks every router with one suite). Each
// driver's test file calls runDriverContract with a factory; the scripted fake runs it too, so the
// suite itself stays honest. Tests run in order and share one desktop: starting one costs real time.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { DesktopDriver, DesktopHandle, DesktopSpec } from './driver.ts';
import { isConnectionConfirm, X224_CONNECTION_REQUEST } from './x224.ts';

/** A test that does not apply to this driver is not registered at all (rather than reported skipped). */
const skipWhole = (..._args: unknown[]): void => undefined;

export interface ContractSubject {
  driver: DesktopDriver;
  /** Releases this driver instance (close() and more); must leave other instances' desktops alone. */
  cleanup: () => Promise<void>;
}

export interface ContractOptions {
  /** false for drivers whose desktops cannot be dialled (the scripted fake). Default true. */
  streams?: boolean;
  /** false for drivers whose inventory lives in one instance's memory. Default true: a second
   *  instance from makeDriver() must see the same desktops (a restarted agent re-adopts them). */
  persistsAcrossInstances?: boolean;
  /** Extra fields for the specs the suite creates (image, size). */
  spec?: Partial<DesktopSpec>;
  /** true for drivers that start RDP desktops (protocol 'rdp': xrdp): the suite then also creates one,
   *  dials it on channel 'rdp' and checks channels are not mixed up. Needs streams. Default false. */
  rdp?: boolean;
}

/** Sends an X.224 Connection Request on a fresh stream and resolves the first 7 bytes of the answer. */
async function x224Answer(socket: Socket): Promise<Buffer> {
  socket.write(X224_CONNECTION_REQUEST);
  return readBytes(socket, 7);
}

/** Reads exactly n bytes (the RFB version banner is 12), leaving any further bytes on the socket for
 *  the next read: the socket is paused between reads so nothing is emitted to no listener. */
export function readBytes(socket: Socket, n: number, timeoutMs = 5_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(new Error(`read ${size}/${n} bytes before timing out`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= n) finish(null);
    };
    const onEnd = (): void => finish(new Error(`stream ended after ${size}/${n} bytes`));
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      socket.off('data', onData).off('end', onEnd).off('error', finish);
      socket.pause();
      const all = Buffer.concat(chunks, size);
      if (size > n) socket.unshift(all.subarray(n));
      if (err) reject(err);
      else resolve(all.subarray(0, n));
    };
    socket.on('data', onData).on('end', onEnd).on('error', finish);
    socket.resume();
  });
}

export function runDriverContract(name: string, makeDriver: () => Promise<ContractSubject>, options: ContractOptions = {}): void {
  const streams = options.streams ?? true;
  const persists = options.persistsAcrossInstances ?? true;
  const rdp = (options.rdp ?? false) && streams;

  describe(`DesktopDriver contract: ${name}`, () => {
    const subjects: ContractSubject[] = [];
    const created = new Set<string>();
    let main: DesktopDriver | undefined;
    let handle: DesktopHandle | undefined;
    const spec: DesktopSpec = {
      desktopId: `contract-${randomBytes(4).toString('hex')}`,
      secret: randomBytes(12).toString('base64url'),
      persistence: 'pooled',
      width: 1024,
      height: 768,
      ...options.spec,
    };
    const rdpSpec: DesktopSpec = { ...spec, desktopId: `${spec.desktopId}-rdp`, protocol: 'rdp' };
    const driver = async (): Promise<DesktopDriver> => {
      if (!main) {
        const subject = await makeDriver();
        subjects.push(subject);
        main = subject.driver;
      }
      return main;
    };

    afterAll(async () => {
      // Desktops first (even when a test failed half-way), then the driver instances.
      for (const id of created) await main?.destroy(id).catch(() => undefined);
      for (const s of subjects) await s.cleanup();
    });

    it('create resolves a running desktop', async () => {
      const d = await driver();
      created.add(spec.desktopId);
      handle = await d.create(spec);
      expect(handle).toMatchObject({ desktopId: spec.desktopId, state: 'running' });
      expect(typeof handle.startedAt).toBe('number');
    });

    (streams ? it : skipWhole)('openStream reaches the VNC server: it sends the RFB banner', async () => {
      const socket = await (await driver()).openStream(spec.desktopId);
      try {
        expect((await readBytes(socket, 12)).toString('latin1')).toMatch(/^RFB 003\.\d{3}\n$/);
      } finally {
        socket.destroy();
      }
    });

    it('inspect reports the running desktop', async () => {
      expect(await (await driver()).inspect(spec.desktopId)).toEqual({
        desktopId: spec.desktopId,
        state: 'running',
        startedAt: handle?.startedAt,
      });
    });

    it('list includes the desktop', async () => {
      const all = await (await driver()).list();
      expect(all).toContainEqual({ desktopId: spec.desktopId, state: 'running', startedAt: handle?.startedAt });
    });

    (persists ? it : skipWhole)('a second driver instance over the same state re-adopts the desktop', async () => {
      const second = await makeDriver();
      subjects.push(second);
      expect(await second.driver.list()).toContainEqual({ desktopId: spec.desktopId, state: 'running', startedAt: handle?.startedAt });
      expect(await second.driver.inspect(spec.desktopId)).toMatchObject({ state: 'running' });
      await second.driver.close();
      expect(await (await driver()).inspect(spec.desktopId)).toMatchObject({ state: 'running' }); // close() left it running
    });

    (rdp ? it : skipWhole)("a VNC desktop refuses channel 'rdp' with code unsupported_channel", async () => {
      await expect((await driver()).openStream(spec.desktopId, 'rdp')).rejects.toMatchObject({ code: 'unsupported_channel' });
    });

    (rdp ? it : skipWhole)("an RDP desktop: openStream('rdp') answers an X.224 Connection Confirm", async () => {
      const d = await driver();
      created.add(rdpSpec.desktopId);
      expect(await d.create(rdpSpec)).toMatchObject({ desktopId: rdpSpec.desktopId, state: 'running' });
      const socket = await d.openStream(rdpSpec.desktopId, 'rdp');
      try {
        const answer = await x224Answer(socket);
        expect(isConnectionConfirm(answer), answer.toString('hex')).toBe(true);
      } finally {
        socket.destroy();
      }
    });

    (rdp ? it : skipWhole)("an RDP desktop refuses channel 'vnc' (and a missing channel) with code unsupported_channel", async () => {
      const d = await driver();
      await expect(d.openStream(rdpSpec.desktopId, 'vnc')).rejects.toMatchObject({ code: 'unsupported_channel' });
      await expect(d.openStream(rdpSpec.desktopId)).rejects.toMatchObject({ code: 'unsupported_channel' });
    });

    (rdp && persists ? it : skipWhole)('a second driver instance re-adopts the RDP desktop and reaches it', async () => {
      const second = await makeDriver();
      subjects.push(second);
      expect(await second.driver.inspect(rdpSpec.desktopId)).toMatchObject({ state: 'running' });
      const socket = await second.driver.openStream(rdpSpec.desktopId, 'rdp');
      try {
        expect(isConnectionConfirm(await x224Answer(socket))).toBe(true);
      } finally {
        socket.destroy();
      }
      await second.driver.close();
    });

    (rdp ? it : skipWhole)('destroying the RDP desktop removes it; its stream is refused', async () => {
      const d = await driver();
      await d.destroy(rdpSpec.desktopId);
      expect(await d.inspect(rdpSpec.desktopId)).toBeNull();
      expect((await d.list()).map((h) => h.desktopId)).not.toContain(rdpSpec.desktopId);
      await expect(d.openStream(rdpSpec.desktopId, 'rdp')).rejects.toThrow();
    });

    it('destroy removes it from list and inspect', async () => {
      const d = await driver();
      await d.destroy(spec.desktopId);
      expect(await d.inspect(spec.desktopId)).toBeNull();
      expect((await d.list()).map((h) => h.desktopId)).not.toContain(spec.desktopId);
    });

    (streams ? it : skipWhole)('openStream to a destroyed desktop rejects', async () => {
      await expect((await driver()).openStream(spec.desktopId)).rejects.toThrow();
    });

    it('destroy is idempotent: twice, and for an unknown id', async () => {
      const d = await driver();
      await expect(d.destroy(spec.desktopId)).resolves.toBeUndefined();
      await expect(d.destroy('never-created-here')).resolves.toBeUndefined();
    });

    it('create with a bad spec rejects, naming the field, and creates nothing', async () => {
      const d = await driver();
      await expect(d.create({ ...spec, desktopId: '../../etc' })).rejects.toThrow(/desktopId/);
      await expect(d.create({ ...spec, desktopId: 'contract-bad', persistence: 'forever' as 'pooled' })).rejects.toThrow(/persistence/);
      expect((await d.list()).map((h) => h.desktopId)).not.toContain('contract-bad');
    });
  });
}
