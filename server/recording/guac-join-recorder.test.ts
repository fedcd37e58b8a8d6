// The shadow recorder's file, against a SCRIPTED guacd (a TCP server in this test playing guacd's
// handshake and a fixed display; the real guacd is in test/integration/recording-guac-shadow.test.ts):
// what is kept (drawing only), where the owner's picture goes, and the size cap.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInstructionParser, encodeInstruction as enc } from '../guac/instructions.ts';
import { startGuacJoinRecorder } from './guac-join-recorder.ts';

const dir = mkdtempSync(join(tmpdir(), 'guac-join-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scripted guacd: the join handshake, then `display` (instructions), and it records what the client sent. */
async function scriptedGuacd(display: string[]) {
  const heard: string[] = [];
  const server = net.createServer((sock) => {
    const parser = createInstructionParser({ maxInstructionChars: 4096, maxElements: 64 });
    sock.on('data', (d) => {
      for (const ins of parser.push(d.toString())) {
        heard.push(ins.opcode);
        if (ins.opcode === 'select') sock.write(enc('args', 'VERSION_1_5_0', 'read-only'));
        if (ins.opcode === 'connect') sock.write(enc('ready', '$join-1') + display.join(''));
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, heard, close: () => new Promise((r) => server.close(r)) };
}

const PICTURE = [
  enc('size', '0', '640', '480'),
  enc('img', '5', '14', '0', 'image/png', '0', '0'),
  enc('blob', '5', 'QUJD'),
  enc('end', '5'),
];
const CLIPBOARD = [enc('clipboard', '7', 'text/plain'), enc('blob', '7', 'c2VjcmV0'), enc('end', '7')];

describe('the shadow recorder (scripted guacd)', () => {
  it('keeps drawing, drops clipboard and sound, and puts the owner’s picture right after the first sync', async () => {
    const g = await scriptedGuacd([
      ...PICTURE,
      ...CLIPBOARD,
      enc('audio', '9', 'audio/L16'),
      enc('sync', '1234'),
      enc('rect', '0', '0', '0', '8', '8'),
    ]);
    const path = join(dir, 'a.guac');
    let release!: (png: string) => void;
    const rec = startGuacJoinRecorder({
      endpoint: { host: '127.0.0.1', port: g.port },
      connectionId: '$owner-1',
      path,
      snapshot: () => new Promise((r) => (release = r)),
      allowBytes: () => true,
      maxBytes: 1024 * 1024,
    });
    // Until the owner's picture arrives, what came after the first sync waits.
    await until(() => statSync(path).size > 0 && release !== undefined);
    expect(readFileSync(path, 'utf8')).not.toContain('4.rect');
    release('UE5H');
    await until(() => readFileSync(path, 'utf8').includes('4.rect'));
    await rec.stop('shadow ended');
    const end = await rec.ended;
    const text = readFileSync(path, 'utf8');
    expect(end).toMatchObject({ reason: 'shadow ended', failed: false, bytes: Buffer.byteLength(text), diskError: null });
    expect(text).toBe(
      [
        ...PICTURE,
        enc('sync', '1234'),
        enc('img', '1000', '12', '0', 'image/png', '0', '0'),
        enc('blob', '1000', 'UE5H'),
        enc('end', '1000'),
        enc('sync', '1234'),
        enc('rect', '0', '0', '0', '8', '8'),
      ].join(''),
    );
    expect(g.heard.slice(0, 1)).toEqual(['select']);
    expect(g.heard).toContain('sync'); // guacd's sync was answered
    await g.close();
  });

  it('what guacd sends before its layers (cursor, sync) goes after them; the picture follows the copy’s sync', async () => {
    const cursor = enc('cursor', '0', '0', '-2', '0', '0', '32', '32');
    const g = await scriptedGuacd([cursor, enc('sync', '7'), ...PICTURE, enc('sync', '8')]);
    const path = join(dir, 'd.guac');
    const rec = startGuacJoinRecorder({
      endpoint: { host: '127.0.0.1', port: g.port },
      connectionId: '$owner-1',
      path,
      snapshot: async () => 'UE5H',
      allowBytes: () => true,
      maxBytes: 1024 * 1024,
    });
    await until(() => readFileSync(path, 'utf8').includes('4.1000'));
    await rec.stop('shadow ended');
    const text = readFileSync(path, 'utf8');
    // The cursor (drawn from layer -2) goes after the layers, the early sync is left out, the picture follows.
    expect(text.startsWith(PICTURE.join('') + cursor + enc('sync', '8') + enc('img', '1000', '12', '0', 'image/png', '0', '0'))).toBe(true);
    await g.close();
  });

  it('ends, cut, at the size cap, and never writes past it', async () => {
    const many = Array.from({ length: 200 }, (_, i) => enc('rect', '0', String(i), '0', '8', '8'));
    const g = await scriptedGuacd([...PICTURE, enc('sync', '1'), ...many]);
    const path = join(dir, 'b.guac');
    const rec = startGuacJoinRecorder({
      endpoint: { host: '127.0.0.1', port: g.port },
      connectionId: '$owner-1',
      path,
      snapshot: async () => null,
      allowBytes: () => true,
      maxBytes: 2000,
    });
    const end = await rec.ended;
    expect(end.reason).toMatch(/^cut at the size cap/);
    expect(statSync(path).size).toBe(end.bytes);
    expect(end.bytes).toBeLessThanOrEqual(2000);
    expect(end.bytes).toBeGreaterThan(1900);
    await g.close();
  });

  it('ends when storage refuses more bytes', async () => {
    const g = await scriptedGuacd([...PICTURE, enc('sync', '1'), enc('rect', '0', '0', '0', '8', '8')]);
    const path = join(dir, 'c.guac');
    let allowed = 2;
    const rec = startGuacJoinRecorder({
      endpoint: { host: '127.0.0.1', port: g.port },
      connectionId: '$owner-1',
      path,
      snapshot: async () => null,
      allowBytes: () => allowed-- > 0,
      maxBytes: 1024 * 1024,
    });
    expect((await rec.ended).reason).toBe('the recordings storage is full');
    expect(readFileSync(path, 'utf8')).toBe(PICTURE.slice(0, 2).join(''));
    await g.close();
  });
});

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (fn()) return;
    } catch {
      // the file may not exist yet
    }
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
