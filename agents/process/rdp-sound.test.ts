// The RDP sound bridge's wire format (chansrv's audio-out framing) and its behaviour against a
// stand-in for chansrv's listener (a Node unix socket server speaking the same framing; the real
// chansrv, xrdp and guacd are in test/e2e/rdp-sound.test.ts) with a PassThrough as the capture.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChansrvAudio, decodeMessages, encodeMessage, MAX_PAYLOAD_BYTES, type DecodedMessage } from './rdp-sound-frame.ts';
import { BATCH_BYTES, hostChansrvAudioSocket, SILENT_TAIL_BATCHES, startRdpSoundBridge, type RdpSoundBridge } from './rdp-sound.ts';
import { xrdpIni } from './rdp.ts';
import type { Jail } from './sandbox.ts';

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const tone = (bytes: number): Buffer => Buffer.alloc(bytes, 0x11);

describe("chansrv's audio-out framing", () => {
  it('round-trips data and close messages, header included in the size', () => {
    const pcm = tone(BATCH_BYTES);
    const wire = Buffer.concat([encodeMessage(ChansrvAudio.Data, pcm), encodeMessage(ChansrvAudio.Close)]);
    expect(wire.readUInt32LE(0)).toBe(0);
    expect(wire.readUInt32LE(4)).toBe(8 + BATCH_BYTES);
    const { messages, rest } = decodeMessages(wire);
    expect(messages.map((m) => [m.id, m.payload.length])).toEqual([
      [ChansrvAudio.Data, BATCH_BYTES],
      [ChansrvAudio.Close, 0],
    ]);
    expect(messages[0]!.payload.equals(pcm)).toBe(true);
    expect(rest.length).toBe(0);
  });

  it('keeps a truncated message for later', () => {
    const wire = encodeMessage(ChansrvAudio.Data, tone(100));
    for (const cut of [3, 8, 50]) {
      const { messages, rest } = decodeMessages(wire.subarray(0, cut));
      expect(messages).toEqual([]);
      expect(rest.length).toBe(cut);
    }
  });

  it('refuses an unknown id, a bad size and a payload chansrv would refuse', () => {
    const bad = Buffer.alloc(8);
    bad.writeUInt32LE(7, 0);
    bad.writeUInt32LE(8, 4);
    expect(() => decodeMessages(bad)).toThrow(/unknown chansrv audio message id 7/);
    const small = Buffer.alloc(8);
    small.writeUInt32LE(4, 4);
    expect(() => decodeMessages(small)).toThrow(/bad size 4/);
    expect(() => encodeMessage(ChansrvAudio.Data, Buffer.alloc(MAX_PAYLOAD_BYTES + 1))).toThrow(RangeError);
  });

  it('names the socket as chansrv makes it, in the desktop’s chansrv directory; xrdp offers rdpsnd only with chansrv', () => {
    const j = { mode: 'bwrap', display: 21, vncDir: '/srv/dp/vnc/0123' } as Jail;
    expect(hostChansrvAudioSocket(j)).toBe('/srv/dp/vnc/0123/chansrv/xrdp_chansrv_audio_out_socket_21');
    const ini = (mode: 'bwrap' | 'none') =>
      xrdpIni({ ...j, mode, hostTmp: '/t', rdpFiles: { ini: '', cert: '', key: '', rsakeys: '' } } as Jail);
    expect(ini('bwrap')).toMatch(/^rdpsnd=true$/m);
    expect(ini('none')).toMatch(/^rdpsnd=false$/m);
  });
});

describe('the bridge, against a stand-in chansrv listener', () => {
  let dir: string;
  let path: string;
  let server: Server | undefined;
  let bridge: RdpSoundBridge | undefined;
  let captures: PassThrough[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rdp-sound-'));
    path = join(dir, 'xrdp_chansrv_audio_out_socket_21');
    captures = [];
  });
  afterEach(async () => {
    bridge?.stop();
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Listens as chansrv does once a client with sound connects; resolves each accepted connection's messages. */
  function listen(): { accepted: Promise<Socket>; messages: DecodedMessage[] } {
    const messages: DecodedMessage[] = [];
    let rest = Buffer.alloc(0);
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer((c) => {
        c.on('data', (d: Buffer) => {
          const out = decodeMessages(Buffer.concat([rest, d]));
          messages.push(...out.messages);
          rest = Buffer.from(out.rest);
        });
        resolve(c);
      }).listen(path);
    });
    return { accepted, messages };
  }

  const start = () =>
    (bridge = startRdpSoundBridge({
      desktopId: 'd1',
      socketPath: path,
      capture: async () => {
        const p = new PassThrough();
        captures.push(p);
        return p;
      },
      log: silentLog,
    }));
  const until = async (test: () => boolean, ms = 3_000) => {
    const end = Date.now() + ms;
    while (!test() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(test()).toBe(true);
  };

  it('connects once chansrv listens, sends PCM in 20 ms messages, and sends no long silence', async () => {
    start();
    await new Promise((r) => setTimeout(r, 300)); // no listener yet: nothing happens
    expect(captures).toEqual([]);
    const chansrv = listen();
    await chansrv.accepted;
    await until(() => captures.length === 1);
    captures[0]!.write(tone(BATCH_BYTES * 2 + 10)); // two whole batches; 10 bytes wait for the next
    captures[0]!.write(Buffer.alloc(BATCH_BYTES * 20)); // a batch with the 10 bytes, then silence: only its tail goes
    const sent = 3 + SILENT_TAIL_BATCHES;
    await until(() => chansrv.messages.length === sent);
    await new Promise((r) => setTimeout(r, 100));
    expect(chansrv.messages.length).toBe(sent);
    expect(chansrv.messages.every((m) => m.id === ChansrvAudio.Data && m.payload.length === BATCH_BYTES)).toBe(true);
    expect(chansrv.messages[2]!.payload.subarray(0, 10).equals(tone(10))).toBe(true);
    expect(bridge!.stats().sentBytes).toBe(sent * BATCH_BYTES);
  });

  it('drops rather than queues when chansrv stops reading', async () => {
    const chansrv = listen();
    start();
    const c = await chansrv.accepted;
    c.pause();
    await until(() => captures.length === 1);
    for (let i = 0; i < 400; i++) captures[0]!.write(tone(BATCH_BYTES)); // 8 s of sound
    await until(() => bridge!.stats().droppedBatches > 0);
    expect(bridge!.stats().sentBytes).toBeLessThan(400 * BATCH_BYTES);
  });

  it('stops the capture when chansrv closes the socket, and bridges again when it listens again', async () => {
    let chansrv = listen();
    start();
    (await chansrv.accepted).destroy();
    await until(() => captures.length === 1 && captures[0]!.destroyed);
    await new Promise<void>((r) => server!.close(() => r()));
    chansrv = listen();
    await chansrv.accepted;
    await until(() => captures.length === 2);
    expect(bridge!.stats().connections).toBe(2);
  });

  it('backs off when the capture keeps failing (a dead sound server), rather than spinning', async () => {
    listen();
    let attempts = 0;
    bridge = startRdpSoundBridge({
      desktopId: 'd1',
      socketPath: path,
      capture: async () => {
        attempts++;
        throw new Error('its sound server does not answer (ECONNREFUSED)');
      },
      log: silentLog,
    });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(attempts).toBe(2); // at once, then after 1 s; the next waits 2 s (500 ms each would be 5)
  });

  it('stop() ends the capture and the connection; twice is harmless', async () => {
    const chansrv = listen();
    start();
    const c = await chansrv.accepted;
    await until(() => captures.length === 1);
    const closed = new Promise((r) => c.once('close', r));
    bridge!.stop();
    bridge!.stop();
    await closed;
    expect(captures[0]!.destroyed).toBe(true);
  });
});
