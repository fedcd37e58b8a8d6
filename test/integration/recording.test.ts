// Session recording end to end with a real gateway, embedded agent and Xvnc desktop: a pool whose
// policy is `on` is recorded from its own RFB connection while the session runs; ending the session
// closes the .dprec file, whose SHA-256 is in the audit log; the API serves the index, the part with
// Range and checksum, a download, and deletion, all audited. A full recordings disk refuses the
// sessions of `recordingRequired` pools (503 recording_unavailable) and raises the dashboard alert.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIndex, RecordingList, RecordingView } from '../../contract/api/recordings.ts';
import { RecordType } from '../../server/recording/format.ts';
import { parseRecords } from '../../server/recording/reader.ts';
import { decodePng } from '../../server/display/png-decode.ts';
import { recordGatewaySession, xInDesktop } from '../helpers/recording.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';

let tg: TestGateway | undefined;
let api: Api;

const defaultPoolId = async (a: Api) =>
  ((await a.get('/api/v1/admin/pools')).body as { id: string; name: string }[]).find((p) => p.name === 'Linux desktop (local)')!.id;
const auditOf = async (a: Api, action: string) =>
  ((await a.get(`/api/v1/admin/audit?action=${action}&limit=50`)).body as {
    target: string;
    actor: string | null;
    details: Record<string, unknown>;
  }[]) ?? [];

beforeAll(async () => {
  tg = await startTestGateway({ env: { DESKPORT_RECORDING_KEYFRAME_S: '2' } });
  api = await signIn(tg.url, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await tg?.cleanup();
});

describe('session recording (real gateway and Xvnc desktop)', () => {
  it('records a session of a pool with recording on, and serves, audits and deletes the recording', async () => {
    const poolId = await defaultPoolId(api);
    expect(
      (await api.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy: { recording: 'on', recordingRetentionDays: 7 } })).status,
    ).toBe(200);
    const s = await launchDesktop(api, tg!.url);
    // The owner's session view says so (the viewer shows its notice from it).
    await until(
      'recordingActive',
      async () => ((await api.get(`/api/v1/sessions/${s.id}`)).body as { session: { recordingActive?: boolean } }).session.recordingActive,
    );
    const live = await until('a recording row', async () => ((await api.get('/api/v1/recordings')).body as RecordingList).items[0]);
    expect(live).toMatchObject({
      sessionId: s.id,
      kind: 'rfb',
      state: 'recording',
      trigger: 'on',
      userName: 'admin',
      poolName: 'Linux desktop (local)',
    });
    // Draw something on the desktop (as its own user, with its X cookie), then let two keyframes pass.
    const info = await desktopInfo(api, tg!.dataDir, s.id);
    const { display } = JSON.parse(readFileSync(join(tg!.dataDir, 'desktops', info.desktopId, 'state.json'), 'utf8')) as {
      display: number;
    };
    xInDesktop(join(tg!.dataDir, 'desktops', info.desktopId, 'tmp'), display, ['xsetroot', '-solid', '#ff00ff']);
    await until('three segments in the live index', async () => {
      const ix = (await api.get(`/api/v1/recordings/${live.id}/index`)).body as RecordingIndex;
      return ix.segments.length >= 3 && ix;
    });

    expect((await api.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    const done = await until('the recording finished', async () => {
      const v = (await api.get(`/api/v1/recordings/${live.id}`)).body as RecordingView;
      return v.state === 'finished' && v;
    });
    expect(done.parts).toHaveLength(1);
    expect(done.expiresAt).toBeDefined();
    expect(Date.parse(done.expiresAt!) - Date.parse(done.endedAt!)).toBe(7 * 86_400_000);
    const file = join(tg!.dataDir, 'recordings', `${live.id}-0.dprec`);
    const bytes = readFileSync(file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(done.parts[0]).toEqual({ n: 0, bytes: bytes.length, sha256: sha });
    const parsed = parseRecords(bytes);
    expect(parsed.truncated).toBe(false);
    expect(parsed.header).toMatchObject({ recordingId: live.id, sessionId: s.id, part: 0 });
    const segments = parsed.records.filter((r) => r.type === RecordType.Segment);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(parsed.records.filter((r) => r.type === RecordType.Data).length).toBeGreaterThanOrEqual(segments.length);
    expect(JSON.parse(parsed.records.at(-1)!.payload.toString())).toEqual({ reason: 'session ended' });
    // The checksum in the audit log is the file's.
    expect((await auditOf(api, 'recording.finished')).find((e) => e.target === live.id)?.details).toMatchObject({ part: 0, sha256: sha });
    expect((await auditOf(api, 'recording.started')).some((e) => e.target === live.id)).toBe(true);
    expect((await auditOf(api, 'recording.stopped')).some((e) => e.target === live.id)).toBe(true);

    // The finished index, a ranged read with the checksum header, watched audited once.
    const index = (await api.get(`/api/v1/recordings/${live.id}/index`)).body as RecordingIndex;
    expect(index.segments.map((g) => g.offset)).toEqual(segments.map((g) => g.offset));
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${tg!.url}/api/v1/recordings/${live.id}/parts/0`, { headers: { cookie: api.cookie, range: 'bytes=0-5' } });
      expect(r.status).toBe(206);
      expect(r.headers.get('x-recording-sha256')).toBe(sha);
      expect(Buffer.from(await r.arrayBuffer()).toString()).toBe('DPREC1');
    }
    expect((await auditOf(api, 'recording.watched')).filter((e) => e.target === live.id)).toHaveLength(1);
    const dl = await fetch(`${tg!.url}/api/v1/recordings/${live.id}/download?part=0`, { headers: { cookie: api.cookie } });
    expect(dl.headers.get('content-disposition')).toContain(`${live.id}-0.dprec`);
    expect(
      createHash('sha256')
        .update(Buffer.from(await dl.arrayBuffer()))
        .digest('hex'),
    ).toBe(sha);
    expect((await auditOf(api, 'recording.downloaded')).some((e) => e.target === live.id)).toBe(true);
    expect((await api.get(`/api/v1/recordings/${live.id}/parts/1`)).status).toBe(404);
    expect((await api.get('/api/v1/recordings/not-an-id')).status).toBe(400);

    // People without the helpdesk role see no recordings; the helpdesk watches but cannot delete.
    const pw = 'a-long-password-for-tests';
    for (const [username, roles] of [
      ['rec-user', []],
      ['rec-helpdesk', ['helpdesk']],
    ] as const)
      expect((await api.post('/api/v1/admin/users', { username, password: pw, roles, groups: [] })).status).toBe(201);
    const plain = await signIn(tg!.url, 'rec-user', pw);
    expect((await plain.get('/api/v1/recordings')).status).toBe(403);
    expect((await plain.get(`/api/v1/recordings/${live.id}/parts/0`)).status).toBe(403);
    const helpdesk = await signIn(tg!.url, 'rec-helpdesk', pw);
    expect((await helpdesk.get(`/api/v1/recordings/${live.id}`)).status).toBe(200);
    expect((await helpdesk.del(`/api/v1/recordings/${live.id}`)).status).toBe(403);

    expect((await api.del(`/api/v1/recordings/${live.id}`)).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await api.get(`/api/v1/recordings/${live.id}`)).status).toBe(404);
    expect((await auditOf(api, 'recording.deleted')).find((e) => e.target === live.id)?.actor).toBe('admin');
    const metrics = await (await fetch(`${tg!.url}/metrics`, { headers: { cookie: api.cookie } })).text();
    expect(metrics).toMatch(/deskport_recorders_active 0/);
  }, 120_000);

  it('a full recordings disk refuses sessions that must be recorded and alerts the dashboard; others run unrecorded', async () => {
    // A free-space floor no disk meets: recordings cannot be written.
    const full = await startTestGateway({ env: { DESKPORT_RECORDINGS_MIN_FREE_MB: '1000000000' } });
    try {
      const a = await signIn(full.url, 'admin', ADMIN_PASSWORD);
      const poolId = await defaultPoolId(a);
      await a.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy: { recording: 'on', recordingRequired: true } });
      const refused = await a.post('/api/v1/sessions', { poolId });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({
        error: { code: 'recording_unavailable', message: expect.stringMatching(/Recording storage is full/) },
      });
      const history = (await a.get('/api/v1/admin/metrics/history')).body as { alerts?: { id: string; title: string }[] };
      expect(history.alerts).toEqual([expect.objectContaining({ id: 'recording-storage', title: 'Recording storage' })]);

      await a.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy: { recordingRequired: false } });
      const s = await launchDesktop(a, full.url);
      expect(s.state).toBe('ready');
      const metrics = await until('a counted failure', async () => {
        const m = await (await fetch(`${full.url}/metrics`, { headers: { cookie: a.cookie } })).text();
        return /deskport_recording_failures_total [1-9]/.test(m) && m;
      });
      expect(metrics).toMatch(/deskport_recordings_bytes 0/);
      expect(((await a.get('/api/v1/recordings')).body as RecordingList).items).toEqual([]);
    } finally {
      await full.cleanup();
    }
  }, 120_000);

  it('recordGatewaySession (the player tests’ helper) draws known colours that the live screen shows', async () => {
    const made = await recordGatewaySession(tg!, api, { colours: ['#ff0000', '#0000ff'] });
    expect(made.frames.map((f) => f.colour)).toEqual(['#ff0000', '#0000ff']);
    for (const [i, f] of made.frames.entries()) {
      const png = decodePng(f.png);
      // Bottom-right corner: root window, away from the xterm.
      const at = ((png.height - 2) * png.width + png.width - 2) * 4;
      expect([...png.rgba.subarray(at, at + 3)]).toEqual(i === 0 ? [255, 0, 0] : [0, 0, 255]);
      expect(f.t).toBeGreaterThan(0);
    }
    expect(made.frames[1]!.t).toBeGreaterThan(made.frames[0]!.t);
    const bytes = readFileSync(made.parts[0]!);
    expect(parseRecords(bytes).header.recordingId).toBe(made.recordingId);
  }, 120_000);
});
