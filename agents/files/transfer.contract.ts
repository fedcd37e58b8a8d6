// The file-transfer contract every driver with a home on this host passes (process, docker): uploads
// land whole, owned by the desktop's user; links planted in the home never lead out of it; bad
// input, cancel, stall and a destroyed desktop leave nothing half-written. One desktop per suite.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_TEMP_PREFIX } from '../../contract/file-paths.ts';
import type { DesktopDriver, DesktopSpec } from '../driver.ts';
import type { FileHome } from './home-fs.ts';
import { listFolder, receiveFile, sendFile, UPLOAD_MODE } from './transfer.ts';

export interface TransferSubject {
  driver: DesktopDriver;
  /** Extra spec fields (image, …). */
  spec?: Partial<DesktopSpec>;
  cleanup: () => Promise<void>;
}

const newSpec = (extra: Partial<DesktopSpec> = {}, over: Partial<DesktopSpec> = {}): DesktopSpec => ({
  desktopId: `ft-${randomBytes(4).toString('hex')}`,
  secret: randomBytes(9).toString('base64url'),
  persistence: 'pooled',
  width: 800,
  height: 600,
  ...extra,
  ...over,
});

async function bytesOf(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Every name in the host folder, hidden ones included (temp files are hidden). */
const namesIn = (dir: string) => readdir(dir).catch(() => [] as string[]);
const temps = async (dir: string) => (await namesIn(dir)).filter((n) => n.startsWith(UPLOAD_TEMP_PREFIX));
const fast = { stallMs: 10_000 };

export function runFileTransferContract(name: string, make: () => Promise<TransferSubject>): void {
  describe(`file transfer contract: ${name}`, () => {
    let s: TransferSubject;
    let spec: DesktopSpec;
    let home: FileHome;
    let outside: string;

    beforeAll(async () => {
      s = await make();
      spec = newSpec(s.spec);
      await s.driver.create(spec);
      home = await s.driver.fileHome!(spec.desktopId);
      outside = await mkdtemp(join(tmpdir(), 'deskport-not-home-'));
      await writeFile(join(outside, 'secret.txt'), 'another home’s secret\n');
    }, 180_000);
    afterAll(async () => {
      await s?.driver.destroy(spec.desktopId).catch(() => undefined);
      await s?.cleanup();
      if (outside) await rm(outside, { recursive: true, force: true });
    }, 60_000);

    it('an upload lands whole in Downloads (made on first use), owned by the desktop’s user, and downloads back the same', async () => {
      const data = randomBytes(300_000);
      const r = await receiveFile(
        home,
        ['Downloads'],
        'report.pdf',
        data.length,
        Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
        fast,
      );
      expect(r).toEqual({ name: 'report.pdf', size: data.length });
      const path = join(home.root, 'Downloads', 'report.pdf');
      expect(await readFile(path)).toEqual(data);
      const st = await lstat(path);
      expect(st.mode & 0o7777).toBe(UPLOAD_MODE);
      const dir = await lstat(join(home.root, 'Downloads'));
      if (home.ids) {
        expect([st.uid, st.gid]).toEqual([home.ids.uid, home.ids.gid]);
        expect([dir.uid, dir.gid]).toEqual([home.ids.uid, home.ids.gid]);
      }
      const listed = await listFolder(home, ['Downloads']);
      expect(listed.entries).toContainEqual(expect.objectContaining({ name: 'report.pdf', kind: 'file', size: data.length }));
      const out = await sendFile(home, ['Downloads', 'report.pdf'], 1 << 30);
      expect(out.size).toBe(data.length);
      expect(out.sha256).toBe(createHash('sha256').update(data).digest('hex'));
      expect(await bytesOf(out.stream)).toEqual(data);
      expect(await temps(join(home.root, 'Downloads'))).toEqual([]);
    });

    it('a taken name becomes "name (1).ext", never replacing the file', async () => {
      const r1 = await receiveFile(home, ['Downloads'], 'clash.txt', 3, Readable.from([Buffer.from('one')]), fast);
      const r2 = await receiveFile(home, ['Downloads'], 'clash.txt', 3, Readable.from([Buffer.from('two')]), fast);
      expect([r1.name, r2.name]).toEqual(['clash.txt', 'clash (1).txt']);
      expect(await readFile(join(home.root, 'Downloads', 'clash.txt'), 'utf8')).toBe('one');
      expect(await readFile(join(home.root, 'Downloads', 'clash (1).txt'), 'utf8')).toBe('two');
    });

    it('never follows a symlink planted in the home (to /etc, to another home)', async () => {
      await symlink('/etc', join(home.root, 'etc-link'));
      await symlink(outside, join(home.root, 'other-home'));
      await symlink('/etc/passwd', join(home.root, 'passwd-link'));
      await symlink(join(outside, 'secret.txt'), join(home.root, 'Downloads', 'secret-link.txt'));
      const refusedAs = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'symlink_refused' });
      await refusedAs(listFolder(home, ['etc-link']));
      await refusedAs(listFolder(home, ['other-home']));
      await refusedAs(sendFile(home, ['etc-link', 'passwd'], 1 << 20));
      await refusedAs(sendFile(home, ['passwd-link'], 1 << 20));
      await refusedAs(sendFile(home, ['other-home', 'secret.txt'], 1 << 20));
      await refusedAs(sendFile(home, ['Downloads', 'secret-link.txt'], 1 << 20));
      await refusedAs(receiveFile(home, ['etc-link'], 'evil.conf', 1, Readable.from([Buffer.from('x')]), fast));
      await refusedAs(receiveFile(home, ['other-home'], 'planted.txt', 1, Readable.from([Buffer.from('x')]), fast));
      expect(await namesIn(outside)).toEqual(['secret.txt']);
      await expect(lstat('/etc/evil.conf')).rejects.toMatchObject({ code: 'ENOENT' });
      // The listing offers neither links nor names no path may carry (and is not broken by them).
      await writeFile(join(home.root, 'evil\nname.txt'), 'x');
      const names = (await listFolder(home, [])).entries.map((e) => e.name);
      expect(names).toContain('Downloads');
      expect(names).not.toContain('evil\nname.txt');
      expect(names).not.toContain('etc-link');
      expect(names).not.toContain('passwd-link');
    });

    it('refuses traversal even when a caller skipped the path check', async () => {
      await expect(listFolder(home, ['..'])).rejects.toMatchObject({ code: 'bad_path' });
      await expect(sendFile(home, ['Downloads', '..', '..', 'x'], 1 << 20)).rejects.toMatchObject({ code: 'bad_path' });
      await expect(receiveFile(home, ['.'], 'x', 1, Readable.from([Buffer.from('x')]), fast)).rejects.toMatchObject({ code: 'bad_path' });
      await expect(receiveFile(home, ['Downloads'], '../escape', 1, Readable.from([Buffer.from('x')]), fast)).rejects.toMatchObject({
        code: 'bad_path',
      });
    });

    it('refuses more bytes than announced, and a download over the cap, leaving nothing', async () => {
      await expect(receiveFile(home, ['Downloads'], 'big.bin', 10, Readable.from([randomBytes(20)]), fast)).rejects.toMatchObject({
        code: 'too_large',
      });
      await expect(sendFile(home, ['Downloads', 'report.pdf'], 1000)).rejects.toMatchObject({ code: 'too_large' });
      expect(await namesIn(join(home.root, 'Downloads'))).not.toContain('big.bin');
      expect(await temps(join(home.root, 'Downloads'))).toEqual([]);
    });

    it('a cancelled upload and a stalled one leave nothing half-written', async () => {
      const dl = join(home.root, 'Downloads');
      const src = new PassThrough();
      const ac = new AbortController();
      const cancelled = receiveFile(home, ['Downloads'], 'cancelled.bin', 1000, src, { stallMs: 10_000, signal: ac.signal });
      src.write(randomBytes(400));
      await waitFor(async () => (await temps(dl)).length === 1); // half of it is on disk under the temp name
      ac.abort();
      await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });

      const ended = receiveFile(home, ['Downloads'], 'stalled.bin', 1000, Readable.from([randomBytes(10)]), { stallMs: 300 });
      await expect(ended).rejects.toMatchObject({ code: 'incomplete' });
      const short = new PassThrough();
      const stalling = receiveFile(home, ['Downloads'], 'stalling.bin', 1000, short, { stallMs: 300 });
      short.write(randomBytes(10)); // and then nothing more, without ending
      await expect(stalling).rejects.toMatchObject({ code: 'stalled' });
      const names = await namesIn(dl);
      expect(names.filter((n) => /cancelled|stall/.test(n))).toEqual([]);
      expect(await temps(dl)).toEqual([]);
    });

    it('a desktop destroyed mid-upload gives a clear error and leaves nothing in its kept home', async () => {
      const p = newSpec(s.spec, { persistence: 'personal', homeKey: `ft-home-${randomBytes(3).toString('hex')}` });
      await s.driver.create(p);
      const h = await s.driver.fileHome!(p.desktopId);
      const src = new PassThrough();
      const alive = async () => (await s.driver.inspect(p.desktopId))?.state === 'running';
      const upload = receiveFile(h, [], 'gone.bin', 2000, src, { stallMs: 20_000, alive });
      src.write(randomBytes(1000));
      await waitFor(async () => (await temps(h.root)).length === 1);
      await s.driver.destroy(p.desktopId);
      src.end(randomBytes(1000));
      await expect(upload).rejects.toMatchObject({ code: 'desktop_gone', message: expect.stringMatching(/desktop ended/) });
      expect(await temps(h.root)).toEqual([]);
      expect(await namesIn(h.root)).not.toContain('gone.bin');
      await expect(s.driver.fileHome!(p.desktopId)).rejects.toThrow(/not running/);
    }, 120_000);
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
