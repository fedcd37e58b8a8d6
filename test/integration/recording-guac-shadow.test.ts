// Recording policy `shadow` on an existing RDP machine, with real parts: xrdp + xorgxrdp on a loopback
// port with an xterm, reached through a separate `deskport agent` process, a real guacd, the gateway,
// and the owner's display as the Node Guacamole client on /ws/rdp. Nothing is recorded before a
// helpdesk shadow is approved; approving it starts the gateway's own read-only join of the owner's
// guacd connection into a `.guac` file (row, audit, recordingActive, the file growing); ending the
// shadow finishes it with the file's SHA-256 in the row and the audit. The file is Guacamole
// instructions (size, img, sync) whose pictures are not black, and right after guacd's first sync it
// holds the owner's snapshot. The owner's display answering the snapshot request is this Node client
// standing in for the browser (client guacDisplay.ts is what answers in a real browser).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingList } from '../../contract/api/recordings.ts';
import { encodePng } from '../../server/display/png.ts';
import { createInstructionParser, encodeInstruction } from '../../server/guac/instructions.ts';
import { startAgentProcess, startOnDisplay, type GroupProcess } from '../helpers/agent-process.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { decodePng, GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { recordingEnded } from '../helpers/recording.ts';
import { until } from '../helpers/until.ts';
import { startXrdp, type XrdpHandle } from '../helpers/xrdp.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let xrdp: XrdpHandle;
let agent: (GroupProcess & { hostId: string }) | undefined;
let xterm: GroupProcess | undefined;
let admin: Api;
let owner: Api;
let helper: Api;
let dir: string;
const clients: GuacClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The owner's picture the Node display answers with: 64x48 of one known colour. */
const SNAPSHOT_RGB = [0x20, 0xa0, 0x60];
const snapshotPng = (): string => {
  const rgb = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set(SNAPSHOT_RGB, i);
  return encodePng(64, 48, rgb).toString('base64');
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-rec-guac-shadow-'));
  [xrdp, guacd] = await Promise.all([startXrdp(), startGuacd()]);
  xterm = startOnDisplay(xrdp.display, 'xterm', ['-geometry', '100x30+0+0', '-e', '/bin/sh'], dir);
  t = await startTestGateway({ guacd: guacd.guacd, embeddedAgent: false });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  agent = await startAgentProcess(t.url, admin, { stateDir: join(dir, 'agent'), name: 'machine-agent', targets: '127.0.0.1/32' });
  for (const [name, roles] of [
    ['rita', ['user']],
    ['hank', ['helpdesk']],
  ] as const)
    expect((await admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  owner = await signIn(t.url, 'rita', 'rita-password-1');
  helper = await signIn(t.url, 'hank', 'hank-password-1');
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await agent?.stop();
  await xterm?.stop();
  await guacd?.kill();
  await xrdp?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const sessionOf = async (id: string) =>
  ((await admin.get(`/api/v1/sessions/${id}`)).body as { session: { recordingActive?: boolean } }).session;
const recordings = async (machineId: string) => ((await admin.get(`/api/v1/recordings?machine=${machineId}`)).body as RecordingList).items;

describe('shadow-only recording of an RDP machine (gateway joins guacd)', () => {
  it('records only while the shadow is approved, into a .guac file that plays from the owner’s picture', async () => {
    const m = await admin.post('/api/v1/admin/machines', {
      name: 'Shadow-recorded PC',
      protocol: 'rdp',
      address: '127.0.0.1',
      port: xrdp.port,
      hostId: agent!.hostId,
      credentialMode: 'shared',
      username: 'svc-deskport',
      password: 'rdp-shared-secret-1',
      security: 'tls',
      ignoreCert: true,
      policy: { recording: 'shadow' },
    });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    const machineId = (m.body as { id: string }).id;
    const s = await owner.post('/api/v1/sessions', { machineId });
    const sessionId = (s.body as { session: { id: string } }).session.id;
    const tk = await owner.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    const display = await GuacClient.open(t.url, (tk.body as { url: string }).url);
    clients.push(display);
    // The owner's display answers the gateway's snapshot requests (what client guacDisplay.ts does).
    let asked = 0;
    display.ws.on('message', (data) => {
      const m = /^17\.deskport-snapshot,(\d+)\.(\d+);$/.exec(data.toString());
      if (!m) return;
      asked++;
      const png = snapshotPng();
      for (let i = 0; i < png.length; i += 8000) display.ws.send(encodeInstruction('deskport-snapshot', m[2]!, png.slice(i, i + 8000)));
      display.ws.send(encodeInstruction('deskport-snapshot', m[2]!, ''));
    });
    await display.firstImage();

    await sleep(1500); // nothing to await: the absence of a recording is the point
    expect(await recordings(machineId)).toEqual([]);
    expect((await sessionOf(sessionId)).recordingActive).toBe(false);

    const ask = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'ticket #13: recording' });
    expect(ask.status, JSON.stringify(ask.body)).toBe(201);
    const shadowId = (ask.body as { shadow: { id: string } }).shadow.id;
    expect((await owner.post(`/api/v1/shadows/${shadowId}/approve`)).status).toBe(200);
    const live = await until('a shadow recording', async () => (await recordings(machineId))[0], 15_000);
    expect(live).toMatchObject({ kind: 'guac', trigger: 'shadow', state: 'recording' });
    expect((await sessionOf(sessionId)).recordingActive).toBe(true);
    const file = join(t.dataDir, 'recordings', `${live.id}.guac`);
    const first = await until('the join wrote its picture', () => (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 1000, 15_000);
    expect(first).toBe(true);
    const before = statSync(file).size;
    for (let i = 0; i < 3; i++) {
      display.mouse(300, 200, 0); // no window manager: the keyboard follows the pointer
      display.type(`echo recorded-while-shadowed-${i}\n`);
      await sleep(500);
    }
    await until('the file grows while the desktop changes', () => statSync(file).size > before, 10_000);

    expect((await helper.post(`/api/v1/shadows/${shadowId}/end`)).status).toBe(200);
    const done = await recordingEnded(admin, live.id);
    expect(done.state, JSON.stringify(done)).toBe('finished');
    const bytes = readFileSync(file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(done.parts).toEqual([{ n: 0, bytes: bytes.length, sha256: sha }]);
    const audit = (await admin.get('/api/v1/admin/audit?limit=200')).body as {
      action: string;
      target: string;
      details: Record<string, unknown>;
    }[];
    const mine = audit.filter((e) => e.target === live.id);
    expect(mine.find((e) => e.action === 'recording.started')?.details).toMatchObject({ trigger: 'shadow', kind: 'guac', sessionId });
    expect(mine.find((e) => e.action === 'recording.finished')?.details).toMatchObject({ sha256: sha, bytes: bytes.length });
    expect(mine.find((e) => e.action === 'recording.stopped')?.details).toMatchObject({ reason: 'shadow ended' });
    expect((await sessionOf(sessionId)).recordingActive).toBe(false);
    const sizeAfter = bytes.length;
    await sleep(1000);
    expect(statSync(file).size).toBe(sizeAfter); // the join is gone

    // The file plays: Guacamole instructions, guacd's display state, then the owner's picture.
    const parser = createInstructionParser({ maxInstructionChars: 1024 * 1024, maxElements: 64 });
    const list = parser.push(bytes.toString('utf8'));
    expect(parser.pending()).toBe(0);
    const ops = new Set(list.map((i) => i.opcode));
    for (const op of ['size', 'img', 'blob', 'sync']) expect(ops).toContain(op);
    for (const op of ['clipboard', 'audio', 'nop', 'args', 'ready']) expect(ops).not.toContain(op);
    expect(list.some((i) => i.opcode === 'size' && i.args[0] === '0')).toBe(true); // the default layer's size
    const images = new Map<string, string[]>();
    const pictures: { stream: string; layer: string; png: ReturnType<typeof decodePng> }[] = [];
    const opened = new Map<string, { layer: string; mime: string }>();
    for (const i of list) {
      const stream = i.args[0]!;
      if (i.opcode === 'img') (images.set(stream, []), opened.set(stream, { layer: i.args[2]!, mime: i.args[3]! }));
      else if (i.opcode === 'blob') images.get(stream)?.push(i.args[1]!);
      else if (i.opcode === 'end' && images.has(stream)) {
        // guacd sends JPEG too (every client takes PNG and JPEG); PNGs are decoded here.
        const { layer, mime } = opened.get(stream)!;
        if (mime === 'image/png') pictures.push({ stream, layer, png: decodePng(Buffer.from(images.get(stream)!.join(''), 'base64')) });
        images.delete(stream);
      }
    }
    // guacd's join copy ends at the first sync after layer 0's size (guacd 1.6.0 sends one with the cursor first).
    const sized = list.findIndex((i) => i.opcode === 'size' && i.args[0] === '0');
    const firstSync = list.findIndex((i, n) => n > sized && i.opcode === 'sync');
    // Right after that sync: the owner's picture on the default layer, closed by a sync.
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(list[firstSync + 1]).toMatchObject({ opcode: 'img', args: ['1000', '12', '0', 'image/png', '0', '0'] });
    const own = pictures.find((p) => p.stream === '1000')!;
    expect(own.png).toMatchObject({ width: 64, height: 48, distinct: 1 });
    // guacd's own pictures of the desktop are there too, and they are not one flat (black) colour.
    const desktop = pictures.filter((p) => p.stream !== '1000' && p.layer === '0');
    expect(desktop.length).toBeGreaterThan(0);
    expect(Math.max(...desktop.map((p) => p.png.distinct))).toBeGreaterThan(1);
    console.info(`shadow recording: ${bytes.length} bytes, ${list.length} instructions, ${pictures.length} PNG pictures`);
  }, 120_000);
});
