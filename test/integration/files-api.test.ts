// The file API against a real gateway, agent and process desktop: bad paths and names, links planted
// in the home, missing or oversized Content-Length, people who are not the owner, and a desktop that
// ends in the middle of an upload. Each refusal is a clear answer and leaves nothing in the home.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktopInfo, type DesktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let admin: Api;
let sessionId: string;
let desk: DesktopInfo;

beforeAll(async () => {
  t = await startTestGateway();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  sessionId = (await launchDesktop(admin, t.url)).id;
  desk = await desktopInfo(admin, t.dataDir, sessionId);
});
afterAll(async () => t?.cleanup());

const files = (q: string) => `/api/v1/sessions/${sessionId}/files${q}`;
const codeOf = (body: unknown) => (body as { error?: { code: string } }).error?.code;

interface Answer {
  status: number;
  body: string;
}

/** A raw upload: `send` writes (part of) the body and says when to end; the answer comes whenever the gateway gives it. */
function put(query: string, headers: Record<string, string>, send: (write: (b: Buffer) => void, end: () => void) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${files(`/content?${query}`)}`, {
      method: 'PUT',
      headers: { cookie: admin.cookie, origin: t.url, 'content-type': 'application/octet-stream', ...headers },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy(); // whatever of the body is still unsent stays so
      });
    });
    req.on('error', reject);
    send(
      (b) => req.write(b),
      () => req.end(),
    );
  });
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.deskport-upload-'));

describe('the file API', () => {
  it('lists Downloads first (empty before the first upload) with the policy', async () => {
    const r = await admin.get(files('?path='));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      path: '',
      startPath: 'Downloads',
      policy: { upload: true, download: true, maxBytes: 100 * 1024 * 1024 },
    });
    expect((await admin.get(files('?path=Downloads'))).body).toMatchObject({ entries: [], truncated: false });
  });

  it('refuses traversal, absolute paths and control characters at the edge', async () => {
    for (const q of ['?path=..', '?path=Downloads/../..', '?path=%2Fetc', '?path=a%00b']) {
      const r = await admin.get(files(q));
      expect([r.status, codeOf(r.body)], q).toEqual([400, 'invalid_path']);
    }
    const bad = await put('path=Downloads&name=evil%0Aname', { 'content-length': '1' }, (w, end) => (w(Buffer.from('x')), end()));
    expect([bad.status, codeOf(JSON.parse(bad.body))]).toEqual([400, 'invalid_name']);
    const dl = await admin.get(files('/content?path=..%2F..%2Fetc%2Fpasswd'));
    expect(dl.status).toBe(400);
  });

  it('refuses links planted in the home that lead out of it', async () => {
    await symlink('/etc', join(desk.home, 'etc-link'));
    await symlink('/etc/passwd', join(desk.home, 'passwd-link'));
    const list = await admin.get(files('?path=etc-link'));
    expect([list.status, codeOf(list.body)]).toEqual([403, 'symlink_refused']);
    const dl = await admin.get(files('/content?path=passwd-link'));
    expect([dl.status, codeOf(dl.body)]).toEqual([403, 'symlink_refused']);
    const up = await put('path=etc-link&name=evil.conf', { 'content-length': '1' }, (w, end) => (w(Buffer.from('x')), end()));
    expect([up.status, codeOf(JSON.parse(up.body))]).toEqual([403, 'symlink_refused']);
  });

  it('refuses an upload from another site (the Origin rule of every write)', async () => {
    const r = await put(
      'path=Downloads&name=csrf.txt',
      { 'content-length': '1', origin: 'http://evil.example' },
      (w, end) => (w(Buffer.from('x')), end()),
    );
    expect([r.status, codeOf(JSON.parse(r.body))]).toEqual([403, 'origin_mismatch']);
    expect(existsSync(join(desk.home, 'Downloads', 'csrf.txt'))).toBe(false);
  });

  it('needs a Content-Length within the policy before taking any byte', async () => {
    const chunked = await put('path=Downloads&name=c.bin', { 'transfer-encoding': 'chunked' }, (w, end) => (w(Buffer.from('abc')), end()));
    expect([chunked.status, codeOf(JSON.parse(chunked.body))]).toEqual([411, 'length_required']);
    const big = await put('path=Downloads&name=big.bin', { 'content-length': String(101 * 1024 * 1024) }, (w) => w(Buffer.alloc(1024)));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ error: { code: 'too_large', message: expect.stringMatching(/up to 100 MB/) } });
  });

  it('is for the session’s owner only: staff are refused, others do not see the session', async () => {
    const mk = async (username: string, roles: string[]) => {
      const r = await admin.post('/api/v1/admin/users', { username, password: `${username}-password-1`, roles, groups: [] });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return signIn(t.url, username, `${username}-password-1`);
    };
    const helpdesk = await mk('hana', ['helpdesk']);
    const other = await mk('otto', ['user']);
    const h = await helpdesk.get(files('?path='));
    expect([h.status, codeOf(h.body)]).toEqual([403, 'forbidden']);
    const o = await other.get(files('/content?path=Downloads%2Fx'));
    expect([o.status, codeOf(o.body)]).toEqual([404, 'not_found']);
  });

  it('a download ticket: checked first, then used once, by its owner only, with its length and checksum', async () => {
    const data = randomBytes(300_000);
    const up = await put('path=Downloads&name=ticket.bin', { 'content-length': String(data.length) }, (w, end) => (w(data), end()));
    expect(up.status, up.body).toBe(201);
    const missing = await admin.post(files('/downloads'), { path: 'Downloads/none.bin' });
    expect([missing.status, codeOf(missing.body)]).toEqual([404, 'not_found']);
    const folder = await admin.post(files('/downloads'), { path: 'Downloads' });
    expect([folder.status, codeOf(folder.body)]).toEqual([409, 'not_a_file']);
    const bad = await admin.post(files('/downloads'), { path: '../etc/passwd' });
    expect([bad.status, codeOf(bad.body)]).toEqual([400, 'invalid_path']);

    const tk = await admin.post(files('/downloads'), { path: 'Downloads/ticket.bin' });
    expect(tk.status, JSON.stringify(tk.body)).toBe(201);
    const { url, statusUrl, size, ticket } = tk.body as { url: string; statusUrl: string; size: number; ticket: string };
    expect(size).toBe(data.length);
    expect(url).toBe(files(`/downloads/${ticket}`));
    // Someone else holding the URL gets nothing, and the ticket stays unused.
    const tess = await admin.post('/api/v1/admin/users', { username: 'tess', password: 'tess-password-1', roles: ['user'], groups: [] });
    expect(tess.status).toBe(201);
    const other = await signIn(t.url, 'tess', 'tess-password-1');
    expect([(await other.get(url)).status, (await other.get(statusUrl)).status]).toEqual([404, 404]);
    expect((await fetch(`${t.url}${url}`)).status).toBe(401); // no cookie, no download

    const res = await fetch(`${t.url}${url}`, { headers: { cookie: admin.cookie } });
    expect(res.status).toBe(200);
    const sha = createHash('sha256').update(data).digest('hex');
    expect(
      Object.fromEntries(['content-length', 'content-disposition', 'x-checksum-sha256', 'repr-digest'].map((h) => [h, res.headers.get(h)])),
    ).toEqual({
      'content-length': String(data.length),
      'content-disposition': `attachment; filename="ticket.bin"; filename*=UTF-8''ticket.bin`,
      'x-checksum-sha256': sha,
      'repr-digest': `sha-256=:${Buffer.from(sha, 'hex').toString('base64')}:`,
    });
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    const again = await fetch(`${t.url}${url}`, { headers: { cookie: admin.cookie } });
    expect([again.status, codeOf(await again.json())]).toEqual([410, 'ticket_used']);
    await expect
      .poll(async () => (await admin.get(statusUrl)).body)
      .toMatchObject({ state: 'done', sent: data.length, size: data.length, sha256: sha });
    const audit = (await admin.get('/api/v1/admin/audit?action=file.download&limit=1')).body as {
      result: string;
      details: Record<string, unknown>;
    }[];
    expect(audit[0]).toMatchObject({ result: 'ok', details: { path: 'Downloads/ticket.bin', sha256: sha, via: 'ticket' } });

    // A cancelled ticket is void; the old content URL still works for scripts, with the checksum too.
    const tk2 = (await admin.post(files('/downloads'), { path: 'Downloads/ticket.bin' })).body as { url: string };
    expect((await admin.del(tk2.url)).body).toMatchObject({ state: 'cancelled' });
    expect((await fetch(`${t.url}${tk2.url}`, { headers: { cookie: admin.cookie } })).status).toBe(410);
    const plain = await fetch(`${t.url}${files('/content?path=Downloads%2Fticket.bin')}`, { headers: { cookie: admin.cookie } });
    expect([plain.status, plain.headers.get('x-checksum-sha256')]).toEqual([200, sha]);
    expect(Buffer.from(await plain.arrayBuffer()).equals(data)).toBe(true);
  });

  it('a file that changes during its download is cut short, never delivered whole under a wrong checksum', async () => {
    const data = randomBytes(32 * 1024 * 1024);
    const up = await put('path=Downloads&name=changing.bin', { 'content-length': String(data.length) }, (w, end) => (w(data), end()));
    expect(up.status, up.body).toBe(201);
    const { url, statusUrl } = (await admin.post(files('/downloads'), { path: 'Downloads/changing.bin' })).body as {
      url: string;
      statusUrl: string;
    };
    const res = await fetch(`${t.url}${url}`, { headers: { cookie: admin.cookie } });
    expect([res.status, res.headers.get('x-checksum-sha256')]).toEqual([200, createHash('sha256').update(data).digest('hex')]);
    // The agent hashed the file before the header; nothing of the body is read yet, so backpressure
    // holds its second pass well before the end, which changes now (same size, other bytes).
    const fh = await open(join(desk.home, 'Downloads', 'changing.bin'), 'r+');
    await fh.write(randomBytes(1024 * 1024), 0, 1024 * 1024, data.length - 1024 * 1024);
    await fh.close();
    await expect(res.arrayBuffer()).rejects.toThrow();
    await expect
      .poll(async () => (await admin.get(statusUrl)).body)
      .toMatchObject({
        state: 'failed',
        error: expect.stringMatching(/changed on the desktop during the download/),
      });
    const audit = (await admin.get('/api/v1/admin/audit?action=file.download&limit=1')).body as {
      result: string;
      details: Record<string, unknown>;
    }[];
    expect(audit[0]).toMatchObject({
      result: 'failed',
      details: { name: 'changing.bin', sha256: null, reason: expect.stringMatching(/changed/) },
    });
  });

  it('an upload whose desktop ends midway answers desktop_gone and leaves nothing', async () => {
    await mkdir(join(desk.home, 'Downloads'), { recursive: true }).catch(() => undefined);
    const size = 4 * 1024 * 1024;
    let ended: Promise<number> | undefined;
    const answer = put('path=&name=midway.bin', { 'content-length': String(size) }, (w) => {
      w(randomBytes(1024 * 1024));
      // Half-way, the person's session ends: the desktop is destroyed under the upload.
      ended = (async () => {
        for (const deadline = Date.now() + 10_000; temps(desk.home).length === 0 && Date.now() < deadline;)
          await new Promise((r) => setTimeout(r, 20));
        expect(temps(desk.home)).toHaveLength(1); // the first MiB is on disk under the temp name
        return (await admin.del(`/api/v1/sessions/${sessionId}`)).status;
      })();
    });
    const r = await answer;
    expect(await ended).toBe(204);
    expect([r.status, codeOf(JSON.parse(r.body))]).toEqual([409, 'desktop_gone']);
    expect(JSON.parse(r.body).error.message).toMatch(/desktop ended/);
    // A pooled home goes with its desktop; what matters is that no file of the upload survives anywhere.
    expect(
      (existsSync(desk.home) ? readdirSync(desk.home) : []).filter((n) => n.startsWith('midway') || n.startsWith('.deskport-upload-')),
    ).toEqual([]);
    const audit = (await admin.get('/api/v1/admin/audit?action=file.upload&limit=1')).body as {
      result: string;
      details: Record<string, unknown>;
    }[];
    expect(audit[0]).toMatchObject({ result: 'failed', details: { name: 'midway.bin', error: 'desktop_gone' } });
  });
});
