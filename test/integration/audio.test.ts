// The desktop's sound end to end with real parts: a process desktop with its own PulseAudio, a tone
// played inside it (node → pacat as the desktop's user), captured by parec through the agent's
// dial-back stream (DESKPORT_EMBEDDED_STREAMS=agent) and the gateway's /ws/audio, found by Goertzel.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createProcessDriver, type ProcessDriver } from '../../agents/process/driver.ts';
import { AudioClose, PCM_FORMAT } from '../../contract/audio.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { toneArgv, tonePower } from '../helpers/tone.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
let admin: Api;
let owner: Api;
let helper: Api;
let sessionId: string;
let desktopId: string;
let uid: number;
let driver: ProcessDriver;

beforeAll(async () => {
  t = await startTestGateway({ env: { DESKPORT_EMBEDDED_STREAMS: 'agent' } });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  for (const [name, roles] of [
    ['sonia', ['user']],
    ['harry', ['helpdesk']],
  ] as const)
    expect((await admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  owner = await signIn(t.url, 'sonia', 'sonia-password-1');
  helper = await signIn(t.url, 'harry', 'harry-password-1');
  sessionId = (await launchDesktop(owner, t.url)).id;
  ({ desktopId, uid } = await desktopInfo(admin, t.dataDir, sessionId));
  driver = createProcessDriver({ dataDir: t.dataDir }); // a second handle on the same desktops, to run programs inside
});
afterAll(async () => {
  await driver?.close();
  await t?.cleanup();
});

/** A listener on /ws/audio: the hello, then every PCM byte with its arrival time. */
class Listener {
  readonly chunks: { at: number; data: Buffer }[] = [];
  hello: unknown;
  closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer, binary) => {
      if (!binary) this.hello = JSON.parse(data.toString());
      else this.chunks.push({ at: performance.now(), data });
    });
  }
  static async open(path: string): Promise<Listener> {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}${path}`, { headers: { origin: t.url } });
    const l = new Listener(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return l;
  }
  /** PCM received after `since` (performance.now()). */
  pcmSince(since: number): Buffer {
    return Buffer.concat(this.chunks.filter((c) => c.at >= since).map((c) => c.data));
  }
  /** Resolves with the time the last 100 ms received hold `hz` clearly (or throws after `ms`). */
  async waitForTone(hz: number, ms = 5_000): Promise<number> {
    const deadline = performance.now() + ms;
    while (performance.now() < deadline) {
      const recent = Buffer.concat(this.chunks.slice(-10).map((c) => c.data)).subarray(-9600);
      if (recent.length >= 4800 && tonePower(recent, hz) > 0.5) return performance.now();
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${hz} Hz tone heard in ${ms} ms`);
  }
}

async function soundTicket(api: Api, path = `/api/v1/sessions/${sessionId}/audio-tickets`): Promise<string> {
  const r = await api.post(path);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body as { url: string }).url;
}

/** parec processes of the desktop's uid now running. */
function captures(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const owner = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
        return cmd[0]?.endsWith('parec') && Number(owner) === uid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('sound from a process desktop', () => {
  it('a 1 kHz tone played inside the desktop reaches /ws/audio as 48 kHz PCM, then a 440 Hz one', async () => {
    const l = await Listener.open(await soundTicket(owner));
    await until('the hello', () => l.hello !== undefined);
    expect(l.hello).toEqual({ type: 'hello', format: 's16le', rate: PCM_FORMAT.rate, channels: PCM_FORMAT.channels });
    // Digital silence is not sent: the sink's monitor streams zeros while nothing plays.
    await new Promise((r) => setTimeout(r, 500));
    expect(l.chunks.length).toBe(0);
    for (const hz of [1000, 440]) {
      const t0 = performance.now();
      const play = driver.runInDesktop(desktopId, toneArgv(hz, 1500), { timeoutMs: 15_000 });
      const heard = await l.waitForTone(hz);
      console.info(`audio: ${hz} Hz heard ${(heard - t0).toFixed(0)} ms after the player started (node start-up included)`);
      const other = hz === 1000 ? 440 : 1000;
      expect(tonePower(l.pcmSince(heard).subarray(0, 4800), other)).toBeLessThan(0.1);
      expect((await play).code).toBe(0);
    }
    // Bandwidth while the 440 Hz tone plays: whole sample frames at the format's rate (parec keeps
    // pace with the sink's clock), in batches of about 20 ms.
    const during = l.chunks.filter((c) => c.at >= l.chunks.at(-1)!.at - 1000);
    const bytes = during.slice(1).reduce((n, c) => n + c.data.length, 0);
    const rate = bytes / ((during.at(-1)!.at - during[0]!.at) / 1000);
    console.info(`audio: ${rate.toFixed(0)} bytes/s on the wire, ${during.length} frames in the last second`);
    expect(rate).toBeGreaterThan(80_000);
    expect(rate).toBeLessThan(115_000);
    expect(l.chunks.every((c) => c.data.length % 2 === 0)).toBe(true);
    l.ws.close();
  });

  it('captures nothing while nobody listens: parec starts with the socket and is killed when it closes', async () => {
    await until('no capture before listening', () => captures().length === 0);
    const l = await Listener.open(await soundTicket(owner));
    await until('parec running', () => captures().length === 1);
    l.ws.close();
    await l.closed;
    await until('parec gone', () => captures().length === 0, 3_000);
  });

  it('a sound ticket works once', async () => {
    const url = await soundTicket(owner);
    const l = await Listener.open(url);
    await expect(Listener.open(url)).rejects.toThrow(/401/);
    l.ws.close();
  });

  it('a helpdesk shadow hears nothing unless the owner also shared sound', async () => {
    const ask = async () => {
      const r = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'sound check' });
      return (r.body as { shadow: { id: string } }).shadow.id;
    };
    const silent = await ask();
    expect((await owner.post(`/api/v1/shadows/${silent}/approve`)).status).toBe(200);
    const refused = await helper.post(`/api/v1/shadows/${silent}/audio-tickets`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'sound_not_shared' } });
    await owner.post(`/api/v1/shadows/${silent}/end`);

    const shared = await ask();
    const approved = await owner.post(`/api/v1/shadows/${shared}/approve`, { sound: true });
    expect(approved.body).toMatchObject({ shadow: { sound: true } });
    const l = await Listener.open(await soundTicket(helper, `/api/v1/shadows/${shared}/audio-tickets`));
    const heard = l.waitForTone(440);
    await driver.runInDesktop(desktopId, toneArgv(440, 600), { timeoutMs: 15_000 });
    await heard;
    // Someone else's session is not the owner's to hear through its own route.
    expect((await helper.post(`/api/v1/sessions/${sessionId}/audio-tickets`)).status).toBe(404);
    // Ending the shadow ends its sound.
    await owner.post(`/api/v1/shadows/${shared}/end`);
    expect((await l.closed).code).toBe(4001);
  });

  it('a pool whose policy turns sound off refuses the sound ticket with a clear reason', async () => {
    const pools = (await admin.get('/api/v1/admin/pools')).body as { id: string; name: string }[];
    const pool = pools.find((p) => p.name === 'Linux desktop (local)')!;
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pool.id}`, { policy: { audio: false } })).status).toBe(200);
    try {
      const r = await owner.post(`/api/v1/sessions/${sessionId}/audio-tickets`);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ error: { code: 'audio_not_allowed', message: expect.stringMatching(/Sound is turned off/) } });
    } finally {
      await admin.call('PATCH', `/api/v1/admin/pools/${pool.id}`, { policy: { audio: true } });
    }
    expect((await owner.post(`/api/v1/sessions/${sessionId}/audio-tickets`)).status).toBe(201);
  });

  it('a desktop whose sound server died says "Sound is unavailable on this desktop"; the display keeps working', async () => {
    const pulse = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .find((p) => {
        try {
          return (
            readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]?.endsWith('pulseaudio') &&
            readFileSync(`/proc/${p}/status`, 'utf8').includes(`Uid:\t${uid}\t`)
          );
        } catch {
          return false;
        }
      });
    expect(pulse).toBeDefined();
    process.kill(Number(pulse), 'SIGKILL');
    const l = await Listener.open(await soundTicket(owner));
    const closed = await l.closed;
    expect(closed).toEqual({ code: AudioClose.SoundUnavailable, reason: 'Sound is unavailable on this desktop' });
    expect((await admin.get(`/api/v1/admin/sessions`)).body).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: sessionId, state: 'ready' })]),
    );
  });
});
