// grabGuacFrame against a FAKE guacd (a scripted TCP server, named so): the join handshake it must
// perform, compositing of what guacd sends, and the caps that end a grab when guacd misbehaves.
// The real guacd + xrdp case is test/integration/guac-thumbnail.test.ts.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeInstruction as ins } from '../guac/instructions.ts';
import { GUAC_GRAB_LIMITS, grabGuacFrame } from './guac-thumbnail.ts';
import { encodePng } from './png.ts';
import { decodePng } from './png-decode.ts';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A fake guacd: answers select with `args`, connect with `ready`, then plays `script(socket, received)`. */
async function fakeGuacd(script: (sock: net.Socket) => void): Promise<{ port: number; received: string[]; closed: Promise<void> }> {
  const received: string[] = [];
  let closedNow!: () => void;
  const closed = new Promise<void>((r) => (closedNow = r));
  const srv = net.createServer((sock) => {
    sock.setEncoding('utf8');
    let buf = '';
    sock.on('data', (d: string) => {
      buf += d;
      received.push(d);
      if (buf.includes('6.select,') && !buf.includes('args-sent')) {
        buf += 'args-sent';
        sock.write(ins('args', 'VERSION_1_5_0', 'hostname', 'read-only'));
      }
      if (buf.includes('7.connect,') && !buf.includes('ready-sent')) {
        buf += 'ready-sent';
        sock.write(ins('ready', '$fake-connection'));
        script(sock);
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => closedNow());
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as net.AddressInfo).port, received, closed };
}

const at = (port: number) => ({ host: '127.0.0.1', port });
const solid = (w: number, h: number, rgb: [number, number, number]) =>
  encodePng(w, h, Buffer.from(Array.from({ length: w * h }, () => rgb).flat())).toString('base64');

describe('grabGuacFrame (fake guacd)', () => {
  it('joins read-only, offers only PNG, answers sync, and composites images, fills and copies', async () => {
    const g = await fakeGuacd((s) => {
      s.write(ins('size', '0', '64', '32'));
      s.write(ins('img', '1', '14', '0', 'image/png', '0', '0'));
      const png = solid(32, 32, [255, 0, 0]);
      s.write(ins('blob', '1', png.slice(0, 10)) + ins('blob', '1', png.slice(10)) + ins('end', '1'));
      s.write(ins('rect', '0', '32', '0', '32', '16') + ins('cfill', '14', '0', '0', '0', '255', '255'));
      s.write(ins('copy', '0', '32', '0', '32', '16', '12', '0', '32', '16'));
      s.write(ins('img', '2', '14', '-1', 'image/png', '0', '0') + ins('blob', '2', 'junk-for-a-buffer') + ins('end', '2'));
      s.write(ins('sync', '1234', '1'));
    });
    const d = decodePng(await grabGuacFrame(at(g.port), '$fake-connection', 64));
    expect([d.width, d.height]).toEqual([64, 32]);
    const px = (x: number, y: number) => [...d.rgba.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3)];
    expect(px(5, 5)).toEqual([255, 0, 0]);
    expect(px(40, 5)).toEqual([0, 0, 255]);
    expect(px(40, 25)).toEqual([0, 0, 255]); // copied down
    await g.closed; // the grab closed its join; everything it sent has arrived
    const sent = g.received.join('');
    expect(sent).toContain(ins('select', '$fake-connection'));
    expect(sent).toContain(ins('image', 'image/png'));
    expect(sent).toContain(ins('connect', 'VERSION_1_5_0', '', 'true'));
    expect(sent).toContain(ins('sync', '1234'));
  });

  it('waits past a sync that drew nothing (a sized but empty display)', async () => {
    const g = await fakeGuacd((s) => {
      s.write(ins('size', '0', '16', '16') + ins('sync', '1', '1'));
      setTimeout(
        () => s.write(ins('rect', '0', '0', '0', '16', '16') + ins('cfill', '14', '0', '0', '255', '0', '255') + ins('sync', '2', '1')),
        50,
      );
    });
    const d = decodePng(await grabGuacFrame(at(g.port), '$fake-connection', 64));
    expect([...d.rgba.subarray(0, 3)]).toEqual([0, 255, 0]);
  });

  it('downscales to maxWidth', async () => {
    const g = await fakeGuacd((s) => {
      s.write(ins('size', '0', '640', '480') + ins('rect', '0', '0', '0', '640', '480') + ins('cfill', '14', '0', '0', '255', '0', '255'));
      s.write(ins('sync', '1', '1'));
    });
    const d = decodePng(await grabGuacFrame(at(g.port), '$fake-connection', 320));
    expect([d.width, d.height]).toEqual([320, 240]);
  });

  const malicious: [string, (s: net.Socket) => void, RegExp][] = [
    ['garbage instead of instructions', (s) => s.write('this is not the guacamole protocol;'), /bad instruction/],
    ['an endless instruction', (s) => s.write('99999999.' + 'x'.repeat(1000)), /bad instruction/],
    ['a huge display size', (s) => s.write(ins('size', '0', '65535', '65535')), /too large/],
    ['a malformed number', (s) => s.write(ins('size', '0', '12abc', '5')), /malformed/],
    [
      'an image that is not a PNG',
      (s) =>
        s.write(
          ins('size', '0', '8', '8') + ins('img', '1', '14', '0', 'image/png', '0', '0') + ins('blob', '1', 'AAAA') + ins('end', '1'),
        ),
      /cannot be decoded/,
    ],
    ['an error', (s) => s.write(ins('error', 'Aborted. See logs.', '519')), /guacd refused: Aborted/],
  ];
  for (const [what, script, message] of malicious)
    it(`ends with an error, not a crash, when guacd sends ${what}`, async () => {
      const g = await fakeGuacd(script);
      await expect(grabGuacFrame(at(g.port), '$fake-connection', 320)).rejects.toThrow(message);
    });

  it('stops reading at the byte cap and at the timeout', async () => {
    const flood = await fakeGuacd((s) => {
      const big = ins('nop').repeat(20_000);
      for (let i = 0; i < 10; i++) s.write(big);
    });
    await expect(grabGuacFrame(at(flood.port), '$fake-connection', 320, { ...GUAC_GRAB_LIMITS, maxBytes: 100_000 })).rejects.toThrow(
      /more than a thumbnail/,
    );
    const silent = await fakeGuacd(() => undefined);
    await expect(grabGuacFrame(at(silent.port), '$fake-connection', 320, { ...GUAC_GRAB_LIMITS, timeoutMs: 300 })).rejects.toThrow(
      /in time/,
    );
  });

  it('refuses a connection id that is not one before dialling', async () => {
    await expect(grabGuacFrame(at(1), 'rdp', 320)).rejects.toThrow(/not a guacd connection id/);
  });
});
